// The oracle is the library: for every shipped model (trained a few steps), the exported
// module, imported by plain `node` from a directory with no node_modules (ESM by dynamic
// import, CommonJS by require), gives the per-token log-probabilities of a text that
// scoreText gives (rnnc score; their mean is rnnc eval --batch 1's loss) within 1e-5, on its
// WebAssembly SIMD kernels and on its plain-JavaScript fallback; a seeded sample is the
// library's sample, token for token; and one step's log-probabilities are the library's step.
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportModule } from '../../src/index.ts';
import { scoreText } from '../../src/runtime/score.ts';
import { levelOf, runNode, SHIPPED, tempDir, trainedTiny } from './helpers.ts';

const TEXT = 'the dog sat on the mat .\na cat sat on the log .\n';
const SAMPLE = { prompt: 'the ', length: 40, temperature: 0.9, topK: 6, topP: 0.95, seed: 11 };

/** The checks, as a script for plain node: `load` binds `mod` (an import or a require). */
const script = (load: string, init: (o: string) => string): string => `${load}
const run = async (kernels) => {
  ${init('{ kernels }')}
  const s = mod.score(${JSON.stringify(TEXT)});
  const st = mod.step(mod.encode('the')[0]);
  return { kernels: mod.info().kernels, logProbs: s.logProbs, perplexity: s.perplexity, tokens: s.tokens, step: Array.from(st.logProbs), sample: mod.sample(${JSON.stringify(SAMPLE)}).text };
};
const wasm = await run('wasm');
const js = await run('js');
console.log(JSON.stringify({ wasm, js }));
`;

interface Run {
  kernels: string;
  logProbs: (number | null)[];
  perplexity: number;
  tokens: string[];
  step: number[];
  sample: string;
}

// Only language models: cbow.rnn predicts the centre word, skipgram.rnn its context, so a score of the next token is
// not its loss (test/runtime/window-lm.test.ts checks it by hand).
const LMS = SHIPPED.filter((f) => !/cross_entropy\([^\n]*,\s*token\s*[@)]/.test(readFileSync(f, 'utf8')));

describe.each(LMS.map((f) => [basename(f), f]))('the exported %s', (_name, file) => {
  it('scores, steps and samples as the library does, as ESM and CommonJS, on wasm and on JS', async () => {
    expect(SHIPPED.length).toBeGreaterThanOrEqual(3);
    const model = await trainedTiny(file);
    const ref = scoreText(model, TEXT);
    const refEval = model.evaluate(TEXT, { batch: 1 });
    const refStep = model.step(model.encode('the')[0]);
    const refSample = model.sample(SAMPLE).text;
    const dir = tempDir();
    writeFileSync(join(dir, 'model.mjs'), exportModule(model, { format: 'esm' }).code);
    writeFileSync(join(dir, 'model.cjs'), exportModule(model, { format: 'cjs' }).code);
    const esm = await runNode(dir, 'esm.mjs', script("const mod = await import('./model.mjs');", (o) => `await mod.init(${o});`));
    // CommonJS: no top-level await, so the script is an async function; initSync compiles the GEMM here.
    const cjs = await runNode(dir, 'cjs.cjs', `(async () => {\n${script("const mod = require('./model.cjs');", (o) => `mod.initSync(${o});`)}\n})();`);
    for (const r of [esm, cjs]) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const out = r.out as { wasm: Run; js: Run };
      expect(out.wasm.kernels).toBe('wasm-simd128');
      expect(out.js.kernels).toBe('js');
      for (const run of [out.wasm, out.js]) {
        expect(run.tokens).toEqual(ref.tokens.map((t) => t.token));
        expect(run.logProbs[0]).toBeNull();
        expect(run.logProbs).toHaveLength(ref.tokens.length);
        ref.tokens.forEach((t, i) => {
          if (i > 0) expect(Math.abs(run.logProbs[i]! - t.ln!)).toBeLessThan(1e-5);
        });
        expect(Math.abs(run.perplexity - refEval.perplexity) / refEval.perplexity).toBeLessThan(1e-5);
        run.step.forEach((lp, i) => expect(Math.abs(lp - Math.log(refStep.probs[i]))).toBeLessThan(1e-5));
        expect(run.sample).toBe(refSample);
      }
      // The two kernels agree with each other more closely still than with the library.
      out.wasm.logProbs.forEach((lp, i) => {
        if (i > 0) expect(Math.abs(lp! - out.js.logProbs[i]!)).toBeLessThan(1e-5);
      });
    }
    expect(levelOf(file) === 'word' ? ref.tokens.some((t) => t.token === '<eos>') : ref.tokens.length === [...TEXT].length).toBe(true);
  }, 120_000);
});
