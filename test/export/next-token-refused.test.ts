// The exported module's score and sample read the logits as the next token's distribution:
// for CBOW (predicts token) and skip-gram (predicts token@k) they throw one clear error, as
// `rnnc sample`/`rnnc score` refuse them; the rest of the API still works. A next-token
// model's module is unaffected: its perplexity is the library's (the oracle, scoreText).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportModule } from '../../src/index.ts';
import { scoreText } from '../../src/runtime/score.ts';
import { runNode, SHIPPED, tempDir, trainedTiny } from './helpers.ts';

const TEXT = 'the cat sat on the log .\n';
const file = (name: string) => SHIPPED.find((f) => f.endsWith(`/${name}`))!;

/** Calls each API function in a plain node process; each result or error message as JSON. */
const script = (load: string, init: string) => `${load}
${init}
const tryIt = (f) => { try { const v = f(); return { ok: true, v }; } catch (e) { return { ok: false, name: e.constructor.name, message: e.message }; } };
const out = {
  score: tryIt(() => mod.score(${JSON.stringify(TEXT)}).perplexity),
  scoreIds: tryIt(() => mod.score([1, 2, 3]).perplexity),
  sample: tryIt(() => mod.sample({ length: 5, seed: 1 }).text),
  step: tryIt(() => Array.from(mod.step(mod.encode('t')[0]).logProbs)),
  info: tryIt(() => mod.info().name),
};
console.log(JSON.stringify(out));`;

type Result = { ok: true; v: unknown } | { ok: false; name: string; message: string };
type Out = Record<'score' | 'scoreIds' | 'sample' | 'step' | 'info', Result>;

async function run(name: string): Promise<{ esm: Out; cjs: Out; model: Awaited<ReturnType<typeof trainedTiny>> }> {
  const model = await trainedTiny(file(name));
  const dir = tempDir();
  writeFileSync(join(dir, 'model.mjs'), exportModule(model, { format: 'esm' }).code);
  writeFileSync(join(dir, 'model.cjs'), exportModule(model, { format: 'cjs' }).code);
  const esm = await runNode(dir, 'esm.mjs', script("const mod = await import('./model.mjs');", ''));
  const cjs = await runNode(dir, 'cjs.cjs', script("const mod = require('./model.cjs');", 'mod.initSync();'));
  for (const r of [esm, cjs]) {
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }
  return { esm: esm.out as Out, cjs: cjs.out as Out, model };
}

describe.each([
  ['cbow.rnn', 'CBOW', 'its loss predicts token, the current token from its context'],
  ['skipgram.rnn', 'SkipGram', 'its loss predicts the context positions token@-2, token@-1, token@+1, token@+2 from the current token'],
])('the exported %s', (name, modelName, why) => {
  it('refuses score and sample with one line saying why and what to use; step and info still work', async () => {
    const { esm, cjs, model } = await run(name);
    for (const out of [esm, cjs]) {
      const tail = `: ${why} (as ${modelName === 'CBOW' ? 'CBOW' : 'skip-gram'} does), not the next token, so its logits are no next-token distribution; use rnnc eval for its loss, or rnnc neighbours for its embeddings`;
      expect(out.score).toEqual({ ok: false, name: 'Error', message: `model ${modelName} cannot score a text${tail}` });
      expect(out.scoreIds).toEqual(out.score);
      expect(out.sample).toEqual({ ok: false, name: 'Error', message: `model ${modelName} cannot sample text${tail}` });
      // step is the library's step (the logits of whatever the model predicts) within float32.
      expect(out.step.ok).toBe(true);
      const ref = model.step(model.encode('t')[0]).probs;
      const got = (out.step as { v: number[] }).v;
      expect(got).toHaveLength(model.layout.vocab);
      got.forEach((lp, i) => expect(Math.abs(lp - Math.log(ref[i]))).toBeLessThan(1e-5));
      expect(out.info).toEqual({ ok: true, v: modelName });
    }
  }, 120_000);
});

describe('the exported char-window-lm.rnn (predicts next)', () => {
  it("scores as the library does and samples: no refusal", async () => {
    const { esm, cjs, model } = await run('char-window-lm.rnn');
    const ref = scoreText(model, TEXT).totals.perplexityIncludingOov;
    for (const out of [esm, cjs]) {
      expect(out.score.ok).toBe(true);
      expect(Math.abs((out.score as { v: number }).v - ref) / ref).toBeLessThan(1e-5);
      expect(out.sample).toEqual({ ok: true, v: model.sample({ length: 5, seed: 1 }).text });
    }
  }, 120_000);
});
