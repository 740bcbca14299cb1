// The front end's regression net for hostile input (issue 10): grammar-aware generation of
// deep nesting, long chains, keyword-prefixed names, huge numbers, odd bytes, byte-order
// marks and control characters, each run through `analyze`. Whatever comes in, analyze
// returns (never throws, never an internal error), every diagnostic points into a loaded
// file (or is about a whole file), it renders, and it is fast. The big fuzz run is
// test/property/fuzz-check.test.ts; this is the fast slice for these classes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyze, renderDiagnostics } from '../../src/frontend.ts';
import { memoryReader } from '../check/helpers.ts';

const KEYWORDS = ['cell', 'model', 'use', 'param', 'gate', 'dim', 'loss', 'init', 'reverse'];

const ELMAN = `cell Elman(x: [in]) -> h: [hidden] {
  param W: [hidden, in]
  param U: [hidden, hidden]
  h' = tanh(W @ x + U @ h)
}
`;

/** A name: plain, a keyword with a suffix (gate_r, dimension), or a keyword itself. */
const name = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('a', 'b', 'c') },
  fc.constantFrom('a', 'x', 'h', 'W', 'token', 'next', 'vocab'),
  fc.tuple(fc.constantFrom(...KEYWORDS), fc.constantFrom('_r', 's', '1', 'X', 'ension', 'Elman', '')).map(([k, s]) => k + s),
);

/** An integer literal, from small to hundreds of digits. */
const integer = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.integer({ min: 10, max: 400 }).map((n) => '9'.repeat(n)), fc.constantFrom('2147483647', '2147483648', '1e400'));

/** A depth or length: the limits and either side of them, past what overflowed, or any. */
const depth = fc.oneof(fc.constantFrom(0, 1, 63, 64, 65, 150, 255, 256, 257, 1600, 3200), fc.integer({ min: 0, max: 400 }));

/** An expression, deep or long in one of the ways that used to overflow the stack. */
const expr = fc.oneof(
  depth.map((d) => `${'('.repeat(d)}x${')'.repeat(d)}`),
  depth.map((d) => `${'-'.repeat(d)}x`),
  depth.map((d) => `W${'^T'.repeat(d)}`),
  depth.map((n) => Array(n + 1).fill('x').join(' + ')),
  depth.map((d) => `${'tanh('.repeat(d)}x${')'.repeat(d)}`),
  depth.map((d) => `E${'['.repeat(d)}token${']'.repeat(d)}`),
  fc.tuple(name, integer).map(([n, i]) => `${n} * ${i}`),
);

/** A statement of a cell or model body. */
const stmt = fc.oneof(
  fc.tuple(name, expr).map(([n, e]) => `${n} = ${e}`),
  fc.tuple(name, expr).map(([n, e]) => `gate ${n} = ${e}`),
  fc.tuple(name, integer).map(([n, i]) => `dim ${n} = ${i}`),
  fc.tuple(name, integer, name).map(([n, i, d]) => `param ${n}: [${d}, ${i}]`),
  depth.map((d) => `param P: [${'('.repeat(d)}in${')'.repeat(d)}]`),
  fc.tuple(integer, integer).map(([a, b]) => `param Q: [${a} * ${b}, in]`),
  fc.tuple(name, expr).map(([n, e]) => `${n} = Elman(${e}, hidden = ${n})`),
  fc.tuple(integer).map(([i]) => `h1 = reverseElman(E[token], hidden = ${i})`),
  expr.map((e) => `loss cross_entropy(${e}, next)`),
);

/** Bytes a careless editor or a hostile user may put anywhere. */
const oddChar = fc.constantFrom('\u0000', '\ufeff', '\u00a0', '\r', '\t', '\u2028', '\u0007', '\u001b', '😀', '\ud800', '"', '#', "'", '\\', '{', '}', '(', '[');

/** A whole file: a cell and a model with hostile statements, then odd characters spliced in. */
const program = fc
  .record({
    bom: fc.boolean(),
    cellStmts: fc.array(stmt, { maxLength: 3 }),
    modelStmts: fc.array(stmt, { maxLength: 3 }),
    use: fc.constantFrom('', 'use "elman.rnn"\n', 'use "/dev/zero"\n', 'use "/etc/passwd"\n', 'use "main.rnn"\n', 'use "gone.rnn"\n'),
    splices: fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, fc.array(fc.tuple(fc.nat(), oddChar), { minLength: 1, maxLength: 3 })),
  })
  .map(({ bom, cellStmts, modelStmts, use, splices }) => {
    let text = `${use}cell C(x: [in]) -> h: [in] {\n  param W: [in, in]\n${cellStmts.map((s) => `  ${s}\n`).join('')}  h' = tanh(W @ x)\n}\n`;
    text += `model M {\n  dim vocab, in = 4\n  param E: [vocab, in]\n  param V: [vocab, in]\n${modelStmts.map((s) => `  ${s}\n`).join('')}  loss cross_entropy(V @ E[token], next)\n}\n`;
    for (const [at, ch] of splices) {
      const i = at % (text.length + 1);
      text = text.slice(0, i) + ch + text.slice(i);
    }
    return (bom ? '\ufeff' : '') + text;
  });

describe('hostile inputs through analyze', () => {
  it('never throw, are always located, render, and finish fast', () => {
    fc.assert(
      fc.property(program, (text) => {
        const started = performance.now();
        const a = analyze('main.rnn', { readFile: memoryReader({ 'main.rnn': text, 'elman.rnn': ELMAN }) });
        const took = performance.now() - started;
        for (const d of a.diagnostics) {
          expect(d.code).not.toBe('internal');
          if (d.span === null) {
            // Only a whole file (one that cannot be read) goes without a place.
            expect(d.code).toBe('missing-file');
            continue;
          }
          const src = a.sources.get(d.span.file);
          expect(src, `${d.code}: ${d.message}`).toBeDefined();
          expect(0 <= d.span.start && d.span.start <= d.span.end && d.span.end <= src!.text.length).toBe(true);
        }
        expect(renderDiagnostics(a)).toHaveLength(a.diagnostics.length);
        // Generous for a loaded CI machine: each case is at most a few KB.
        expect(took).toBeLessThan(2000);
      }),
      { numRuns: 100 },
    );
  });
});
