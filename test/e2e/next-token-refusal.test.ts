// rnnc sample and rnnc score read the logits as the next token's distribution. CBOW's predict
// the centre word and skip-gram's its context: both commands refuse them with one line, and
// train prints no sample for them. A fixed-window LM (next) is served as before: its score
// sums to eval --batch 1's total NLL (the oracle), and its sample is text of its vocabulary.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { rnnc, type Run } from './run.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnc-next-token-'));
const corpus = join(dir, 'corpus.txt');
const LINES = 'the cat sat on the mat .\nthe dog sat on the log .\na cat and a dog sat .\n';
writeFileSync(corpus, LINES.repeat(12));
const text = join(dir, 'text.txt');
writeFileSync(text, 'the dog sat on the mat .\na cat sat .\n');
const ck = (name: string) => join(dir, name);
const trained: Record<string, Run> = {};

beforeAll(async () => {
  const tiny = ['--level', 'word', '--data', corpus, '--dims', 'embed=4', '--batch', '2', '--bptt', '8', '--steps', '2'];
  // One after the other: the machine that runs the suite is small.
  const runs = [
    await rnnc('train', 'models/cbow.rnn', ...tiny, '--out', ck('cbow')),
    await rnnc('train', 'models/skipgram.rnn', ...tiny, '--out', ck('skipgram')),
    await rnnc('train', 'models/window-lm.rnn', ...tiny, '--dims', 'embed=4,hidden=6', '--sample', '0', '--out', ck('window')),
  ];
  [trained.cbow, trained.skipgram, trained.window] = runs;
  for (const r of runs) expect(r.code, r.stderr).toBe(0);
}, 180_000);

const refusal = (model: string, what: string, targets: string): RegExp =>
  new RegExp(`^error: .*${model}: model \\w+ cannot ${what}: its loss predicts ${targets}.*, not the next token, so its logits are no next-token distribution; use rnnc eval for its loss, or rnnc neighbours for its embeddings\\n$`);

describe.concurrent('a model whose loss does not predict next', () => {
  it.each([
    ['cbow', 'token, the current token'],
    ['skipgram', 'the context positions token@-2, token@-1, token@\\+1, token@\\+2'],
  ])('%s: sample and score refuse it in one line, and train printed no sample', async (name, targets) => {
    const [s, sc] = await Promise.all([rnnc('sample', ck(name), '--length', '5'), rnnc('score', ck(name), '--data', text)]);
    expect(s.code).toBe(1);
    expect(s.stdout).toBe('');
    expect(s.stderr).toMatch(refusal(name, 'sample text', targets));
    expect(sc.code).toBe(1);
    expect(sc.stdout).toBe('');
    expect(sc.stderr).toMatch(refusal(name, 'score a text token by token', targets));
    expect(trained[name].stdout).not.toContain('sample (temperature');
    expect(trained[name].stdout).toMatch(/\nno sample: its loss predicts .*, not the next token\n/);
  });

  it('is still evaluated by rnnc eval, the command the refusal names', async () => {
    const e = await rnnc('eval', ck('cbow'), '--data', text, '--json');
    expect(e.code, e.stderr).toBe(0);
    expect(Number.isFinite(JSON.parse(e.stdout).loss)).toBe(true);
  });
});

describe.concurrent('a next-token model (window-lm.rnn)', () => {
  it('is scored as eval --batch 1 measures it: Σ ln p = −(mean NLL × predictions)', async () => {
    const [s, e] = await Promise.all([rnnc('score', ck('window'), '--data', text, '--json'), rnnc('eval', ck('window'), '--data', text, '--batch', '1', '--json')]);
    expect(s.code, s.stderr).toBe(0);
    expect(e.code, e.stderr).toBe(0);
    const totals = JSON.parse(s.stdout).totals as { ln: number; predicted: number };
    const ev = JSON.parse(e.stdout) as { loss: number; tokens: number };
    expect(totals.predicted).toBe(ev.tokens);
    expect(Math.abs(-totals.ln - ev.loss * ev.tokens) / (ev.loss * ev.tokens)).toBeLessThan(1e-6);
  });

  it('samples words of its vocabulary', async () => {
    const s = await rnnc('sample', ck('window'), '--length', '12', '--seed', '3');
    expect(s.code, s.stderr).toBe(0);
    const words = s.stdout.trim().split(/\s+/).filter((w) => w !== '<eos>' && w !== '<unk>');
    expect(words.length).toBeGreaterThan(0);
    for (const w of words) expect(LINES.split(/\s+/)).toContain(w);
  });
});
