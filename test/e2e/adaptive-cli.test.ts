// A checkpoint whose output layer is an adaptive softmax through the CLI a user runs on it:
// `rnnc score` reads the dense log-probabilities (the inference code), `rnnc eval` the fused
// loss (Model.scoring): two code paths whose totals must agree; `rnnc sample` writes what the
// library's sampler draws from the same checkpoint and seed.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { rnnc } from './run.ts';
import { loadCheckpoint } from '../../src/runtime/train/checkpoint.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnc-adaptive-e2e-'));
const corpus = join(dir, 'corpus.txt');
writeFileSync(corpus, 'To be, or not to be, that is the question:\nWhether tis nobler in the mind to suffer\n'.repeat(30));
const text = join(dir, 'text.txt');
writeFileSync(text, 'Whether to be the question, or not to suffer:\nTo be in the mind\n'.repeat(3));
const ck = join(dir, 'adaptive');

beforeAll(async () => {
  // test/codegen/models/adaptive.rnn: a head of 3 characters, clusters [3, 5) and [5, vocab).
  const t = await rnnc('train', 'test/codegen/models/adaptive.rnn', '--data', corpus, '--batch', '4', '--bptt', '16', '--steps', '3', '--sample', '0', '--out', ck);
  expect(t.code, t.stderr).toBe(0);
}, 120_000);

describe.concurrent('an adaptive-softmax checkpoint on the command line', () => {
  it('rnnc score (dense log-probabilities) sums to rnnc eval --batch 1 (the fused loss), within 1e-6 relative', async () => {
    const [s, e] = await Promise.all([rnnc('score', ck, '--data', text, '--json'), rnnc('eval', ck, '--data', text, '--batch', '1', '--json')]);
    expect(s.code, s.stderr).toBe(0);
    expect(e.code, e.stderr).toBe(0);
    const doc = JSON.parse(s.stdout) as { totals: { predicted: number; ln: number; oov: number } };
    const ev = JSON.parse(e.stdout) as { tokens: number; loss: number };
    expect(doc.totals.predicted).toBe(ev.tokens);
    expect(doc.totals.oov).toBe(0);
    const nll = ev.loss * ev.tokens;
    expect(Math.abs(-doc.totals.ln - nll) / nll).toBeLessThan(1e-6);
  });

  it('rnnc sample writes the library sampler’s text for the same seed, greedy and drawn', async () => {
    const m = loadCheckpoint(ck, { optimizer: false }).model;
    for (const opts of [['--greedy'], ['--seed', '7', '--temperature', '0.8']]) {
      const r = await rnnc('sample', ck, '--prompt', 'To', '--length', '40', ...opts);
      expect(r.code, r.stderr).toBe(0);
      const g = m.sample({ prompt: 'To', length: 40, greedy: opts[0] === '--greedy', seed: opts[0] === '--seed' ? 7 : 0, temperature: opts[0] === '--seed' ? 0.8 : 1 });
      const text = g.text ?? '';
      expect(text.length).toBe(40);
      expect(r.stdout).toBe('To' + text + (text.endsWith('\n') ? '' : '\n'));
    }
  });
});
