// Property: the names of a model cannot break its generated code. Random identifiers,
// JavaScript's reserved words and globals, and every identifier the generated code of the
// shipped models uses itself (and the forms the compiler derives from names: `h_all`,
// `h_initial`, `v12`, …) as the names of a small model's cell, ports, params, gate, bindings,
// layer, dims and model: whenever the model checks, the code parses, and one training window
// computes exactly (float64) what the same model with plain names computes; a few cases also
// train one step through the library (float32 kernels). A failure prints fast-check's seed.
import fc from 'fast-check';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/frontend.ts';
import { compileModel } from '../../src/codegen/index.ts';
import { mulberry32 } from '../../src/graph/interpret.ts';
import { compile } from '../../src/runtime/model.ts';
import { buildCharVocab } from '../../src/runtime/data/tokenize.ts';
import type { IRModel } from '../../src/ir/types.ts';

const RUNS = Number(process.env.RNNC_NAMES_RUNS ?? 40);
const KEYS = ['Cell', 'x', 'h', 'c', 'cin', 'chid', 'W', 'U', 'b', 'g', 'z', 'Model', 'embed', 'hidden', 'E', 'V', 'bias', 'e', 'layer', 'u', 'w'] as const;
type Names = Record<(typeof KEYS)[number], string>;

const template = (n: Names): string => `
cell ${n.Cell}(${n.x}: [${n.cin}]) -> (${n.h}: [${n.chid}], ${n.c}: [${n.chid}]) {
  param ${n.W}: [${n.chid}, ${n.cin}]
  param ${n.U}: [${n.chid}, ${n.chid}]
  param ${n.b}: [${n.chid}]
  gate ${n.g} = sigmoid(${n.W} @ ${n.x} + ${n.U} @ ${n.h} + ${n.b})
  ${n.z} = tanh(${n.W} @ ${n.x})
  ${n.c}' = ${n.g} * ${n.c} + (1 - ${n.g}) * ${n.z}
  ${n.h}' = tanh(${n.c}')
}

model ${n.Model} {
  dim vocab = 5, ${n.embed} = 3, ${n.hidden} = 4
  param ${n.E}: [vocab, ${n.embed}]
  param ${n.V}: [vocab, ${n.hidden}]
  param ${n.bias}: [vocab]
  ${n.e} = ${n.E}[token]
  ${n.layer} = ${n.Cell}(dropout(${n.e}, 0.25), ${n.chid} = ${n.hidden})
  ${n.u} = ${n.V} @ ${n.layer}
  ${n.w} = ${n.u} * 2 + ${n.bias}
  loss cross_entropy(${n.w}, next)
}
`;

const plain = Object.fromEntries(KEYS.map((k, i) => [k, `n${i}`])) as Names;

function analyzeText(text: string) {
  return analyze('/virtual/names.rnn', { readFile: (p) => (p === '/virtual/names.rnn' ? text : '') });
}

/** Loss and gradients of two windows (float64, dropout on). */
function behaviour(m: IRModel) {
  const c = compileModel(m);
  const rnd = mulberry32(5);
  const P = Float64Array.from({ length: c.layout.totalParams }, () => rnd() * 2 - 1);
  const G = new Float64Array(P.length);
  const runner = c.instantiate({ Float: Float64Array, B: 2, T: 3, params: P, grads: G });
  const tokens = Int32Array.of(0, 1, 2, 3, 4, 3, 2, 1);
  return { source: c.source, losses: [runner.run(tokens, { seed: 1 }), runner.run(tokens, { seed: 2 })], grads: Array.from(G) };
}

/** Every identifier in a piece of JavaScript, and those it declares (variables, functions, parameters). */
function identifiers(source: string): { all: string[]; declared: string[] } {
  const sf = ts.createSourceFile('gen.js', source, ts.ScriptTarget.ES2022, false, ts.ScriptKind.JS);
  const all = new Set<string>();
  const declared = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) all.add(node.text);
    if ((ts.isVariableDeclaration(node) || ts.isParameter(node) || ts.isFunctionDeclaration(node) || ts.isBindingElement(node)) && node.name && ts.isIdentifier(node.name)) declared.add(node.name.text);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { all: [...all], declared: [...declared] };
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const LANGUAGE_KEYWORDS = new Set(['cell', 'model', 'use', 'param', 'gate', 'dim', 'loss', 'init', 'reverse']);

/**
 * The generated code's own names, from the code of the shipped models, and the forms names
 * take in it: every identifier, and (`declared`) those the code declares, which a name could clash with.
 */
function compilerNames(): { all: string[]; declared: string[]; vocabulary: string[] } {
  const names = new Set<string>();
  const declared = new Set<string>();
  // Declared in the code of every model: the compiler's own vocabulary (`L`, `alloc`, `TB`, …).
  let vocabulary = null as Set<string> | null;
  for (const [file, dims] of [
    ['models/char-lstm.rnn', { vocab: 7, embed: 3, hidden: 4 }],
    ['models/word-lstm.rnn', { vocab: 7, embed: 3, hidden: 4 }],
    ['models/word-lstm-tied.rnn', { vocab: 7, embed: 3, hidden: 3 }],
    ['test/codegen/models/exotic.rnn', { vocab: 6 }],
  ] as const) {
    const a = analyze(file, { dims });
    expect(a.ok, file).toBe(true);
    const ids = identifiers(compileModel(a.models[0]).source);
    for (const id of ids.all) {
      // The same name as a model could spell it, and the buffers the old scheme derived.
      const spelt = id.replace(/\$/g, '_').replace(/^_+|_+$/g, '');
      const forms = [id, spelt, `${spelt}_all`, `${spelt}_initial`, `${spelt}_t`];
      for (const x of forms) names.add(x);
      if (ids.declared.includes(id)) for (const x of forms) declared.add(x);
    }
    const spelt = new Set(ids.declared.map((id) => id.replace(/\$/g, '_').replace(/^_+|_+$/g, '')));
    vocabulary = vocabulary === null ? spelt : new Set([...vocabulary].filter((x) => spelt.has(x)));
  }
  const ok = (x: string): boolean => IDENT.test(x) && !LANGUAGE_KEYWORDS.has(x);
  return { all: [...names].filter(ok), declared: [...declared].filter(ok), vocabulary: [...vocabulary!].filter(ok) };
}

const JS_WORDS = 'break case catch class const continue debugger default delete do else enum export extends false finally for function if import in instanceof new null return super switch this throw true try typeof var void while with yield let static implements interface package private protected public await async of get set arguments eval undefined NaN Infinity'.split(' ');
const GLOBALS = Object.getOwnPropertyNames(globalThis).filter((x) => IDENT.test(x));
const { all: COMPILER, declared: DECLARED, vocabulary: VOCABULARY } = compilerNames();
const UNICODE = ['é', 'π', 'ñ_1', 'Δh', 'h′', 'x_é', '_', '__', '_1', 'a__b'];

const nameArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...VOCABULARY) },
  { weight: 1, arbitrary: fc.constantFrom(...DECLARED) },
  { weight: 1, arbitrary: fc.constantFrom(...COMPILER) },
  { weight: 2, arbitrary: fc.constantFrom(...JS_WORDS) },
  { weight: 1, arbitrary: fc.constantFrom(...GLOBALS) },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/) },
  { weight: 1, arbitrary: fc.constantFrom(...UNICODE) },
);
/** Distinct names for every slot (a cell's and a model's names may not clash with each other's uses). */
const namesArb: fc.Arbitrary<Names> = fc
  .uniqueArray(nameArb, { minLength: KEYS.length, maxLength: KEYS.length, comparator: (a, b) => a === b })
  .map((xs) => Object.fromEntries(KEYS.map((k, i) => [k, xs[i]])) as Names)
  .chain((n) =>
    // Names that spell what the compiler derives from another of the model's names.
    fc.record({ w: fc.boolean(), V: fc.boolean(), bias: fc.boolean() }).map((f) => {
      const m = { ...n };
      if (f.w) m.w = `${n.u}_all`;
      if (f.V) m.V = `${n.e}_t`;
      if (f.bias) m.bias = `${n.layer}_${n.h}_initial`;
      return m;
    }),
  );

describe('names of a model cannot break its generated code', () => {
  const ref = analyzeText(template(plain));
  const reference = behaviour(ref.models[0]);
  let checked = 0;

  it('the harvest found the generated code’s own names', () => {
    expect(ref.ok).toBe(true);
    for (const x of ['L', 'TB', 'T1', 'alloc', 'k', 'tokens', 'withLoss']) expect(VOCABULARY).toContain(x);
    for (const x of ['subarray', 'Math', 'fill']) expect(COMPILER).toContain(x);
    expect(DECLARED.some((x) => /_all$/.test(x)) && DECLARED.some((x) => /_initial$/.test(x))).toBe(true);
  });

  it(`random, JavaScript and compiler names (${RUNS} runs): the code parses and computes what plain names compute`, () => {
    fc.assert(
      fc.property(namesArb, (names) => {
        const a = analyzeText(template(names));
        // Names the language refuses (a builtin's name, a keyword prefix on this branch) are the checker's business.
        fc.pre(a.ok);
        checked++;
        const got = behaviour(a.models[0]);
        expect(() => new Function(got.source)).not.toThrow();
        expect({ losses: got.losses, grads: got.grads }).toEqual({ losses: reference.losses, grads: reference.grads });
      }),
      { numRuns: RUNS },
    );
    // Most draws check: the property is about code, not about refused names.
    expect(checked).toBeGreaterThan(RUNS / 2);
  }, Math.max(60_000, RUNS * 500));

  it('one library training step (float32 kernels, SIMD loops) runs with the compiler’s names', async () => {
    const corpus = 'abcde'.repeat(20);
    const vocab = buildCharVocab(corpus);
    const ids = vocab.encode(corpus);
    const samples = fc.sample(namesArb.filter((n) => analyzeText(template(n)).ok), { numRuns: 4, seed: 17 });
    const own: Names = { ...plain, E: 'alloc', V: 'TB', bias: 'L', e: 'T1', layer: 'k', u: 'P', w: 'G', embed: 'B', hidden: 'T' };
    for (const names of [own, ...samples]) {
      const text = template(names);
      const lm = compile('/virtual/names.rnn', { sources: { '/virtual/names.rnn': text }, vocab }).init(1);
      const r = await lm.train({ train: ids, valid: ids }, { batch: 2, bptt: 4, steps: 1 });
      expect(r.reason, JSON.stringify(names)).toBe('steps');
      expect(Array.from(lm.params).every(Number.isFinite), JSON.stringify(names)).toBe(true);
    }
  }, 60_000);
});
