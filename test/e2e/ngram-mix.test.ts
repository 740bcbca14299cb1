// An ARPA model where rnnc eval / score / sample take a checkpoint, and rnnc eval --mix,
// through the real CLI. Oracles: `rnnc ngram eval|score|sample` on the same file, and the
// mixture recomputed here from the per-token log-probabilities `rnnc score` (checkpoint)
// and `rnnc ngram score` print — the checkpoint and the n-gram share a vocabulary (both
// built from the same training text), so the n-gram's probabilities need no mapping.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { rnnc } from './run.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnc-ngram-mix-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const TRAIN = file('train.txt', 'the cat sat on the mat\nthe dog sat on the log\na cat saw a dog\nthe end of the story\n'.repeat(20));
const VALID = file('valid.txt', 'the cat sat on the log\na dog saw the cat\nthe story of a mat\n');
const TEST = file('test.txt', 'a cat sat on a dog\nthe end of the mat\nthe log saw the zebra\n');
const ck = join(dir, 'ck');
const arpa = join(dir, 'kn3.arpa');

const json = <T>(s: string): T => JSON.parse(s) as T;

/** ln p of tokens 1 … N−1 under the checkpoint (rnnc score) and under the n-gram (rnnc ngram score). */
async function components(data: string): Promise<[number[], number[]]> {
  const [s, n] = await Promise.all([rnnc('score', ck, '--data', data, '--json'), rnnc('ngram', 'score', arpa, '--data', data, '--json')]);
  expect(s.code, s.stderr).toBe(0);
  expect(n.code, n.stderr).toBe(0);
  const neural = json<{ tokens: { ln: number | null }[] }>(s.stdout).tokens.slice(1).map((t) => t.ln!);
  const ngram = json<{ logprobs: number[] }>(n.stdout).logprobs;
  expect(neural.length).toBe(ngram.length);
  return [neural, ngram];
}

const mixPerplexity = ([a, b]: [number[], number[]], l: number) => Math.exp(-a.reduce((s, x, i) => s + Math.log(l * Math.exp(x) + (1 - l) * Math.exp(b[i])), 0) / a.length);

beforeAll(async () => {
  const [t, n] = await Promise.all([
    rnnc('train', 'models/word-lstm.rnn', '--level', 'word', '--data', TRAIN, '--valid', VALID, '--dims', 'embed=8,hidden=16', '--batch', '4', '--bptt', '8', '--steps', '30', '--out', ck),
    rnnc('ngram', 'train', '--data', TRAIN, '--order', '3', '-o', arpa),
  ]);
  expect(t.code, t.stderr).toBe(0);
  expect(n.code, n.stderr).toBe(0);
}, 120_000);

describe.concurrent('an ARPA file in place of a checkpoint', () => {
  it('rnnc eval gives rnnc ngram eval\'s numbers (the stream protocol), in eval\'s format', async () => {
    const [e, n, text] = await Promise.all([rnnc('eval', arpa, '--data', TEST, '--json'), rnnc('ngram', 'eval', arpa, '--data', TEST, '--json'), rnnc('eval', arpa, '--data', TEST)]);
    expect(e.code, e.stderr).toBe(0);
    const a = json<{ tokens: number; perplexity: number; loss: number; batch: number }>(e.stdout);
    const b = json<{ tokens: number; perplexity: number; loss: number }>(n.stdout);
    expect(a.tokens).toBe(b.tokens);
    expect(a.loss).toBe(b.loss);
    expect(a.batch).toBe(1);
    expect(text.stdout).toMatch(/^3-gram .*: \d+ predictions \(1 stream, every line from <s>\)/);
    expect(text.stdout).toContain(`perplexity  ${b.perplexity.toFixed(3)}`);
  });

  it('rnnc score gives rnnc ngram score\'s ln p per token, with the checkpoint\'s totals and OOVs', async () => {
    const [s, n] = await Promise.all([rnnc('score', arpa, '--data', TEST, '--json'), rnnc('ngram', 'score', arpa, '--data', TEST, '--json')]);
    expect(s.code, s.stderr).toBe(0);
    const doc = json<{ tokens: { token: string; ln: number | null; oov: boolean }[]; totals: { ln: number; predicted: number; oov: number } }>(s.stdout);
    const want = json<{ logprobs: number[] }>(n.stdout).logprobs;
    expect(doc.tokens[0].ln).toBeNull();
    expect(doc.tokens.slice(1).map((t) => t.ln)).toEqual(want);
    expect(doc.totals.predicted).toBe(want.length);
    expect(doc.totals.ln).toBeCloseTo(want.reduce((x, y) => x + y, 0), 9);
    expect(doc.tokens.filter((t) => t.oov).map((t) => t.token)).toEqual(['zebra']);
  });

  it('rnnc sample gives rnnc ngram sample\'s text for the same seed', async () => {
    const [s, n] = await Promise.all([rnnc('sample', arpa, '--seed', '4', '--length', '30'), rnnc('ngram', 'sample', arpa, '--seed', '4', '--length', '30')]);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toBe(n.stdout);
    expect(s.stdout.trim().split(/\s+/).length).toBeGreaterThan(10);
  });
});

describe.concurrent('rnnc eval --mix', () => {
  it('the mixture\'s perplexity is that of λ·p_neural + (1−λ)·p_ngram per token, recomputed from rnnc score and rnnc ngram score', async () => {
    const [m, c] = await Promise.all([rnnc('eval', '--mix', `${ck}:0.3,${arpa}:0.7`, '--data', TEST, '--json'), components(TEST)]);
    expect(m.code, m.stderr).toBe(0);
    const r = json<{ tokens: number; perplexity: number; components: { model: string; weight: number; perplexity: number }[] }>(m.stdout);
    expect(r.tokens).toBe(c[0].length);
    expect(r.perplexity).toBeCloseTo(mixPerplexity(c, 0.3), 4);
    expect(r.components.map((x) => x.weight)).toEqual([0.3, 0.7]);
    expect(r.components[1].perplexity).toBeCloseTo(mixPerplexity(c, 0), 6);
    // One weight may be left out: it is 1 − the others.
    const left = await rnnc('eval', '--mix', `${ck}:0.3,${arpa}`, '--data', TEST, '--json');
    expect(json<{ perplexity: number }>(left.stdout).perplexity).toBe(r.perplexity);
  });

  it('--mix-tune picks the λ that minimises the validation perplexity (a fine grid over the recomputed mixture)', async () => {
    const [m, c] = await Promise.all([rnnc('eval', '--mix', `${ck},${arpa}`, '--mix-tune', '--valid', VALID, '--data', TEST, '--json'), components(VALID)]);
    expect(m.code, m.stderr).toBe(0);
    const r = json<{ components: { weight: number }[]; tuned: { mix: number } }>(m.stdout);
    const l = r.components[0].weight;
    let best = 0;
    for (let x = 0; x <= 1; x += 0.001) if (mixPerplexity(c, x) < mixPerplexity(c, best)) best = x;
    expect(Math.abs(l - best)).toBeLessThan(0.002);
    expect(r.tuned.mix).toBeCloseTo(mixPerplexity(c, l), 4);
    expect(r.tuned.mix).toBeLessThanOrEqual(mixPerplexity(c, best) + 1e-9);
  });

  it('refuses weights that do not sum to 1, two checkpoints, and --mix-tune without --valid, in one line', async () => {
    const [sum, two, noValid] = await Promise.all([
      rnnc('eval', '--mix', `${ck}:0.3,${arpa}:0.3`, '--data', TEST),
      rnnc('eval', '--mix', `${ck}:0.5,${ck}:0.5`, '--data', TEST),
      rnnc('eval', '--mix', `${ck},${arpa}`, '--mix-tune', '--data', TEST),
    ]);
    expect([sum.code, two.code, noValid.code]).toEqual([1, 1, 1]);
    expect(sum.stderr).toBe('error: --mix: the weights sum to 0.6, not 1\n');
    expect(two.stderr).toMatch(/^error: --mix takes one checkpoint directory and ARPA files; got 2 directories/);
    expect(noValid.stderr).toBe('error: --mix-tune needs --valid FILE: the text the weights are tuned on\n');
  });
});
