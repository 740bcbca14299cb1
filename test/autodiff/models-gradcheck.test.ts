// Every model and every cell file in models/ passes the gradient check: for a few random
// draws of dims (1–4), weights, tokens, batch and window, every gradient entry that the
// generated code computes matches float64 central differences of the reference loss
// within 1e-6 (relative). A cell file is checked cell by cell, each wrapped in a minimal LM.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { checkGradients, compareOnce, equalDimClasses, type GradcheckOptions, type GradcheckReport } from '../../src/testing/gradcheck.ts';
import { readFromDisk } from '../../src/syntax/load.ts';
import { analyze, renderDiagnostics } from '../../src/frontend.ts';

const TOL = 1e-6;
// A fresh fast-check seed per run (as fast-check does by default), printed on failure;
// RNNC_GRADCHECK_SEED replays one.
const SEED = process.env.RNNC_GRADCHECK_SEED !== undefined ? Number(process.env.RNNC_GRADCHECK_SEED) : Math.floor(Math.random() * 2 ** 31);
const OPTIONS = { runs: 3, seed: SEED, maxDim: 4, maxBatch: 2, maxWindow: 4, tolerance: TOL };

const rnnFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.rnn'))
    .sort()
    .map((f) => join(dir, f));

// word-lstm-tied.rnn is checked separately below: it only checks when embed = hidden.
const TIED = 'models/word-lstm-tied.rnn';
const modelFiles = [...rnnFiles('models'), ...rnnFiles('models/recipes')].filter((f) => f !== TIED);
const cellFiles = rnnFiles('models/cells');

function summary(report: GradcheckReport): string {
  const lines = [`fast-check seed ${SEED} (replay with RNNC_GRADCHECK_SEED=${SEED})`, ...report.diagnostics];
  for (const r of report.results) {
    lines.push(`${r.model}: ${r.runs} runs, worst ${Math.max(0, ...r.maxError.values()).toExponential(2)}`);
    if (r.counterexample) lines.push(`  counterexample: ${JSON.stringify(r.counterexample)}`);
    if (r.error) lines.push(`  error: ${r.error}`);
  }
  return lines.join('\n');
}

function expectPasses(path: string, expectedModels: number, options: typeof OPTIONS & GradcheckOptions = OPTIONS): void {
  const report = checkGradients(path, options);
  const why = summary(report);
  expect(report.diagnostics, why).toEqual([]);
  expect(report.results, why).toHaveLength(expectedModels);
  for (const r of report.results) {
    expect(r.error, why).toBeUndefined();
    expect(r.counterexample, why).toBeNull();
    expect(r.runs, why).toBe(options.runs);
    for (const [param, err] of r.maxError) expect(err, `${r.model}.${param}\n${why}`).toBeLessThanOrEqual(TOL);
  }
  expect(report.ok, why).toBe(true);
}

describe('gradcheck of every model in models/', () => {
  it('finds the bundled models and cells', () => {
    expect(modelFiles.length + 1).toBeGreaterThanOrEqual(3);
    expect(cellFiles.length).toBeGreaterThanOrEqual(5);
  });

  it.each(modelFiles)('%s', (path) => {
    const a = analyze(path);
    expect(a.ok, renderDiagnostics(a).join('\n')).toBe(true);
    expectPasses(path, a.context.units.filter((u) => u.file === a.root && u.kind === 'model').length);
  });

  it.each(cellFiles)('%s (each cell wrapped in embedding → cell → linear → cross-entropy)', (path) => {
    const a = analyze(path);
    expect(a.ok, renderDiagnostics(a).join('\n')).toBe(true);
    expect(a.cells.length).toBeGreaterThan(0);
    expectPasses(path, a.cells.length);
  });

  it(`${TIED}, with embed = hidden drawn together (1–4)`, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 2 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (vocab, d, batch, window, seed) => {
          const a = analyze(TIED, { dims: { vocab, embed: d, hidden: d } });
          expect(a.ok, renderDiagnostics(a).join('\n')).toBe(true);
          const { perParam, worst } = compareOnce(a.models[0], batch, window, seed);
          expect(perParam.size).toBe(a.models[0].params.length);
          expect(worst!.error, JSON.stringify(worst)).toBeLessThanOrEqual(TOL);
        },
      ),
      { numRuns: 3, seed: SEED },
    );
  });

  // checkGradients asks the checker which dims must be equal (the tied E needs embed =
  // hidden) and draws one size for each such class. Seed 42 used to draw embed ≠ hidden,
  // which made the model fail to check and the whole gradcheck fail.
  it('finds the dims a tied weight makes equal', () => {
    expect(equalDimClasses({ name: 'WordLSTMTied', path: TIED, readFile: readFromDisk, dims: ['vocab', 'embed', 'hidden'] })).toEqual([['vocab'], ['embed', 'hidden']]);
    expect(equalDimClasses({ name: 'CharLSTM', path: 'models/char-lstm.rnn', readFile: readFromDisk, dims: ['vocab', 'embed', 'hidden'] })).toEqual([['vocab'], ['embed'], ['hidden']]);
  });

  it(`${TIED} through checkGradients (embed and hidden drawn together)`, () => {
    expectPasses(TIED, 1, { ...OPTIONS, seed: 42 });
    expectPasses(TIED, 1);
  });

  it('wraps a cell whose shapes use + - * (x: [2 * n], U: [n, n + 1])', () => {
    const cell = `cell Pair(x: [2 * n]) -> h: [n] {
  param W: [n, 2 * n]
  param U: [n, n + 1]
  param u: [1]
  h' = tanh(W @ x + U @ concat(h, u))
}
`;
    const files: Record<string, string> = { 'pair.rnn': cell };
    const readFile = (p: string): string => {
      if (p in files) return files[p];
      throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    };
    expectPasses('pair.rnn', 1, { ...OPTIONS, readFile });
  });
});
