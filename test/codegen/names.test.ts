// A model's names and the generated code's own names live in disjoint namespaces: names the
// code uses itself (`L`, `TB`, `alloc`), a binding `a` beside a binding `a_all`, a param named
// like a derived buffer (`h1_h_initial`) all compile to code that parses, trains, and
// computes what the same model with plain names computes.
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { analyze, renderDiagnostics } from '../../src/frontend.ts';
import { compileModel } from '../../src/codegen/index.ts';
import { planModel } from '../../src/codegen/plan.ts';
import { COMPILER_NAMES } from '../../src/codegen/names.ts';
import { mulberry32 } from '../../src/graph/interpret.ts';
import { compile } from '../../src/runtime/model.ts';
import { buildCharVocab } from '../../src/runtime/data/tokenize.ts';
import type { IRModel } from '../../src/ir/types.ts';

const LSTM = `cell LSTM(x: [in]) -> (h: [hidden], c: [hidden]) {
  param W: [hidden, in]
  param U: [hidden, hidden]
  param b: [hidden]
  gate f = sigmoid(W @ x + U @ h + b)
  c' = f * c + (1 - f) * tanh(W @ x)
  h' = tanh(c')
}
`;

interface Names {
  E: string;
  V: string;
  bias: string;
  e: string;
  layer: string;
  u: string;
  w: string;
}

/** A model whose params and bindings take the given names. */
const model = (n: Names): string => `${LSTM}
model M {
  dim vocab = 5, embed = 3, hidden = 4
  param ${n.E}: [vocab, embed]
  param ${n.V}: [vocab, hidden]
  param ${n.bias}: [vocab]
  ${n.e} = ${n.E}[token]
  ${n.layer} = LSTM(${n.e}, hidden = hidden)
  ${n.u} = ${n.V} @ dropout(${n.layer}, 0.2)
  ${n.w} = ${n.u} * 2
  loss cross_entropy(${n.w} + ${n.bias}, next)
}
`;

function ir(text: string): IRModel {
  const a = analyze('/virtual/m.rnn', { readFile: () => text });
  if (!a.ok) throw new Error(renderDiagnostics(a).join('\n'));
  return a.models[0];
}

/** Loss and gradients of two windows (float64, dropout on): the code's behaviour, name-free. */
function behaviour(m: IRModel) {
  const c = compileModel(m);
  const rnd = mulberry32(3);
  const P = Float64Array.from({ length: c.layout.totalParams }, () => rnd() * 2 - 1);
  const G = new Float64Array(P.length);
  const runner = c.instantiate({ Float: Float64Array, B: 2, T: 3, params: P, grads: G });
  const tokens = Int32Array.of(0, 1, 2, 3, 4, 3, 2, 1);
  return { losses: [runner.run(tokens, { seed: 1 }), runner.run(tokens, { seed: 2 })], grads: Array.from(G) };
}

const plain: Names = { E: 'E', V: 'V', bias: 'bias', e: 'e', layer: 'h1', u: 'u', w: 'w' };
const CASES: Record<string, Names> = {
  'the names L, TB and alloc': { E: 'alloc', V: 'TB', bias: 'L', e: 'T1', layer: 'k', u: 'G', w: 'withLoss' },
  'a binding a beside a binding a_all': { ...plain, u: 'a', w: 'a_all' },
  'a binding a_all beside a binding a (the other order)': { ...plain, u: 'a_all', w: 'a' },
  'a param h1_h_initial beside a layer h1': { ...plain, V: 'h1_h_initial' },
  'a param h1_h_t beside a layer h1': { ...plain, bias: 'h1_h_t', V: 'h1_c_all' },
  'names of a fused loop’s locals (v27 read where v27 is declared)': { ...plain, bias: 'v27', e: 's26_1', w: 'v26' },
};

describe('names of the model vs names of the generated code', () => {
  const reference = behaviour(ir(model(plain)));

  for (const [what, names] of Object.entries(CASES)) {
    it(`${what}: the code parses and computes what plain names compute`, () => {
      const m = ir(model(names));
      expect(() => new Function(compileModel(m).source)).not.toThrow();
      expect(behaviour(m)).toEqual(reference);
    });
  }

  it('one training step of the library runs with the names L, TB and alloc (float32 kernels)', async () => {
    const text = model(CASES['the names L, TB and alloc']);
    const corpus = 'abcde'.repeat(20);
    const vocab = buildCharVocab(corpus);
    const lm = compile('/virtual/m.rnn', { sources: { '/virtual/m.rnn': text }, vocab }).init(1);
    const ids = vocab.encode(corpus);
    const r = await lm.train({ train: ids, valid: ids }, { batch: 2, bptt: 4, steps: 1 });
    expect(r.reason).toBe('steps');
    expect(Array.from(lm.params).every(Number.isFinite)).toBe(true);
  });

  it('every plain identifier the code declares is a compiler name or the model’s, never both', () => {
    for (const [file, dims] of [
      ['models/char-lstm.rnn', { vocab: 7, embed: 3, hidden: 4 }],
      ['models/word-lstm-tied.rnn', { vocab: 7, embed: 3, hidden: 3 }],
      ['test/codegen/models/exotic.rnn', { vocab: 6 }],
      ['test/codegen/models/tied-transpose.rnn', { vocab: 6 }],
    ] as const) {
      const a = analyze(file, { dims });
      expect(renderDiagnostics(a)).toEqual([]);
      const m = a.models[0];
      const plan = planModel(m, { backward: true, dropout: true });
      const own = new Set([...plan.name.filter(Boolean), ...[...plan.paramName.values()].flatMap((p) => [p.value, p.grad])]);
      for (const id of own) {
        expect(id, file).toMatch(/^[A-Za-z0-9_]+$/);
        expect(COMPILER_NAMES, file).not.toContain(id);
      }
      for (const id of declaredNames(compileModel(m).source)) {
        const base = id.replace(/\$(all|initial|t)$/, '');
        const ok = COMPILER_NAMES.includes(id) || id.startsWith('$') || own.has(base);
        expect(ok, `${file}: ${id} is neither a compiler name nor a name of the model`).toBe(true);
      }
    }
  });
});

/** Every name the code declares: variables, functions, parameters. */
export function declaredNames(source: string): Set<string> {
  const sf = ts.createSourceFile('gen.js', source, ts.ScriptTarget.ES2022, false, ts.ScriptKind.JS);
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    if ((ts.isVariableDeclaration(node) || ts.isParameter(node) || ts.isFunctionDeclaration(node) || ts.isBindingElement(node)) && node.name && ts.isIdentifier(node.name)) names.add(node.name.text);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return names;
}
