// rnnc score: the log-probability of every token, KenLM `query` style, under the protocol of
// `rnnc eval --batch 1` (one stream, the state carried through the text). Oracles: eval's
// total NLL on the same text and checkpoint; the same text without its unknown characters;
// the totals recomputed from the per-token lines.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { rnnc, type Run } from './run.ts';
import { loadCheckpoint } from '../../src/runtime/train/checkpoint.ts';
import { scoreText } from '../../src/runtime/score.ts';

/** The real CLI's `rnnc score`, optionally fed standard input. */
function score(args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn('node', ['bin/rnnc.js', 'score', ...args]);
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    p.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    p.stdin.end(stdin ?? '');
  });
}

interface Doc {
  model: string;
  data: string;
  unit: string;
  tokens: { token: string; id: number | null; log10: number | null; ln: number | null; oov: boolean }[];
  totals: { tokens: number; predicted: number; oov: number; ln: number; log10: number; perplexityIncludingOov: number; perplexityExcludingOov: number | null };
}

const dir = mkdtempSync(join(tmpdir(), 'rnnc-score-e2e-'));
const LINES = 'To be, or not to be, that is the question:\nWhether tis nobler in the mind to suffer\n';
const corpus = join(dir, 'corpus.txt');
writeFileSync(corpus, LINES.repeat(30));
// Text to score: known characters only (eval refuses unknown ones), not the training text's start.
const text = join(dir, 'text.txt');
writeFileSync(text, 'Whether to be the question, or not to suffer:\nTo be in the mind\n'.repeat(3));
const charCk = join(dir, 'char');
const wordCk = join(dir, 'word');

beforeAll(async () => {
  const tiny = ['--dims', 'embed=8,hidden=16', '--batch', '4', '--bptt', '16', '--steps', '2'];
  const [c, w] = await Promise.all([
    rnnc('train', 'models/char-lstm.rnn', '--data', corpus, ...tiny, '--out', charCk),
    // Words seen fewer than 20 times in the training split (27 of the 30 copies) become <unk>: the OOVs of a word model.
    rnnc('train', 'models/word-lstm.rnn', '--level', 'word', '--min-count', '20', '--data', corpus, ...tiny, '--out', wordCk),
  ]);
  expect(c.code, c.stderr).toBe(0);
  expect(w.code, w.stderr).toBe(0);
}, 120_000);

describe.concurrent('rnnc score', () => {
  it('sums to eval --batch 1: Σ ln p = −(mean NLL × predictions), within 1e-6 relative; - reads standard input', async () => {
    const body = readFileSync(text, 'utf8');
    const [s, e, fromStdin] = await Promise.all([score([charCk, '--data', text, '--json']), rnnc('eval', charCk, '--data', text, '--batch', '1', '--json'), score([charCk, '--data', '-', '--json'], body)]);
    expect(s.stderr).toBe('');
    expect(s.code).toBe(0);
    expect(e.code).toBe(0);
    const doc = JSON.parse(s.stdout) as Doc;
    const ev = JSON.parse(e.stdout) as { tokens: number; loss: number; perplexity: number };
    const sum = doc.tokens.reduce((a, t) => a + (t.ln ?? 0), 0);
    const nll = ev.loss * ev.tokens;
    expect(Math.abs(-sum - nll) / nll).toBeLessThan(1e-6);
    expect(Math.abs(doc.totals.ln - sum)).toBeLessThan(1e-9 * nll);
    expect(doc.totals.predicted).toBe(ev.tokens);
    expect(doc.totals.tokens).toBe(ev.tokens + 1);
    expect(doc.totals.oov).toBe(0);
    expect(Math.abs(doc.totals.perplexityIncludingOov - ev.perplexity) / ev.perplexity).toBeLessThan(1e-6);
    // The first token has no probability; every other one has, log10 = ln / ln 10.
    expect(doc.tokens[0]).toMatchObject({ token: 'W', ln: null, log10: null, oov: false });
    for (const t of doc.tokens.slice(1)) {
      expect(t.ln!).toBeLessThan(0);
      expect(t.log10!).toBeCloseTo(t.ln! / Math.LN10, 12);
    }
    expect(doc.unit).toBe('char');
    // The same text on standard input scores the same.
    expect(fromStdin.stderr).toBe('');
    const piped = JSON.parse(fromStdin.stdout) as Doc;
    expect(piped.data).toBe('standard input');
    expect(piped.tokens).toEqual(doc.tokens);
    expect(piped.totals).toEqual(doc.totals);
  });

  it('prints one line per token (token, log10 p, ln p, OOV) and the totals as KenLM does', async () => {
    const t = await score([charCk, '--data', '-'], 'To be? or');
    expect(t.stderr).toBe('');
    expect(t.code).toBe(0);
    const doc = scoreText(loadCheckpoint(charCk).model, 'To be? or');
    const lines = t.stdout.split('\n');
    expect(lines[0]).toBe('"T"\t-\t-\t(first token: nothing predicts it)');
    expect(lines[1]).toBe(`"o"\t${doc.tokens[1].log10!.toFixed(6)}\t${doc.tokens[1].ln!.toFixed(6)}`);
    expect(lines[5]).toBe('"?"\t-\t-\tOOV');
    expect(lines.slice(9)).toEqual([
      'CharLSTM on standard input',
      `Total: log10 ${doc.totals.log10.toFixed(6)}  ln ${doc.totals.ln.toFixed(6)}  over 7 predicted tokens`,
      'Tokens: 9  OOV: 1',
      `Perplexity including OOVs: ${doc.totals.perplexityIncludingOov.toFixed(4)}`,
      `Perplexity excluding OOVs: ${doc.totals.perplexityExcludingOov.toFixed(4)}`,
      '',
    ]);
  });

  it('marks an unknown character OOV and skips it: the other tokens score as in the text without it', () => {
    const m = loadCheckpoint(charCk).model;
    const a = scoreText(m, 'To be? or not');
    const b = scoreText(m, 'To be or not');
    expect(a.tokens.find((t) => t.token === '?')).toEqual({ token: '?', id: null, log10: null, ln: null, oov: true });
    expect(a.tokens.filter((t) => t.token !== '?')).toEqual(b.tokens);
    expect(a.totals).toMatchObject({ tokens: 13, predicted: 11, oov: 1, ln: b.totals.ln });
    // The evaluator's own mean over the same stream agrees.
    expect(Math.abs(a.eval.loss * a.eval.tokens + a.totals.ln)).toBeLessThan(1e-6 * Math.abs(a.totals.ln));
  });

  it('word model: words read as <unk> are OOV; perplexity with and without them as KenLM reports', () => {
    const doc = scoreText(loadCheckpoint(wordCk).model, 'To be, or not to be,\nthat is the zebra question:\n');
    expect(doc.tokens.map((t) => t.token)).toEqual(['To', 'be,', 'or', 'not', 'to', 'be,', '<eos>', 'that', 'is', 'the', 'zebra', 'question:', '<eos>']);
    // Every word of the corpus is seen 27 times; zebra never: it alone is <unk>.
    expect(doc.tokens.filter((t) => t.oov).map((t) => t.token)).toEqual(['zebra']);
    const zebra = doc.tokens.find((t) => t.token === 'zebra')!;
    expect(zebra.ln).toBeLessThan(0); // the model's probability of <unk>
    const scored = doc.tokens.slice(1);
    const known = scored.filter((t) => !t.oov);
    expect(doc.totals).toMatchObject({ tokens: 13, predicted: 12, oov: 1 });
    expect(doc.totals.perplexityIncludingOov).toBeCloseTo(Math.exp(-scored.reduce((a, t) => a + t.ln!, 0) / 12), 10);
    expect(doc.totals.perplexityExcludingOov).toBeCloseTo(Math.exp(-known.reduce((a, t) => a + t.ln!, 0) / known.length), 10);
  });

  it('errors are one line: no such checkpoint, empty input, a text of one token', async () => {
    const [a, b, c] = await Promise.all([score([join(dir, 'nope'), '--data', text]), score([charCk, '--data', '-'], ''), score([charCk, '--data', '-'], 'T')]);
    for (const r of [a, b, c]) {
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: [^\n]+\n$/);
    }
    expect(b.stderr).toBe('error: standard input is empty: pipe the text to score into rnnc score --data -\n');
    expect(c.stderr).toBe('error: standard input: 1 token the model knows; scoring needs at least 2\n');
  });
});
