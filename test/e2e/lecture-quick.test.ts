// `rnnc lecture --quick` end to end on a slice of PTB: every row of the table, the report and
// its pictures. Oracles: the KN rows against `rnnc ngram train|eval` on the slice it wrote, a
// neural row against `rnnc eval` of its checkpoint, and the mix against `rnnc eval --mix
// --mix-tune` — separate processes reading the files, not the lecture's in-memory models.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findData } from '../../src/lecture/data.ts';
import { STAGES } from '../../src/lecture/plan.ts';
import type { Row } from '../../src/lecture/report.ts';
import { rnnc, type Run } from './run.ts';

const root = join(import.meta.dirname, '../..');
let ptb: boolean;
try {
  findData('../shared/data/ptb', root);
  ptb = true;
} catch {
  ptb = false;
  console.log('skipped: rnnc lecture --quick needs PTB in ../shared/data/ptb (ptb.train.txt, ptb.valid.txt, ptb.test.txt)');
}

const out = join(mkdtempSync(join(tmpdir(), 'rnnc-lecture-')), 'out');
const slice = (s: string) => join(out, 'data', `ptb.${s}.txt`);
let run: Run;
let rows: Row[];
const row = (id: string) => rows.find((r) => r.id === id)!;
const close = (a: number, b: number, rel: number) => expect(Math.abs(a - b) / b).toBeLessThan(rel);
const ok = (r: Run) => {
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Record<string, unknown>;
};

describe.runIf(ptb)('rnnc lecture --quick', () => {
  beforeAll(async () => {
    run = await rnnc('lecture', '--quick', '-o', out);
    expect(run.code, run.stderr).toBe(0);
    rows = (JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { rows: Row[] }).rows;
  }, 120_000);

  it('prints every row, with finite perplexities where the model exists', () => {
    expect(rows.map((r) => r.id)).toEqual(STAGES.map((s) => s.id));
    for (const r of rows) {
      expect(run.stdout).toContain(r.label);
      expect(r.status, r.id).toBe('done');
      for (const x of [r.valid!, r.test!]) expect(Number.isFinite(x) && x > 1, `${r.id}: ${x}`).toBe(true);
    }
  });

  it('writes report.md linking SVGs that exist', () => {
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    const links = [...md.matchAll(/\]\(([^)]+\.svg)\)/g)].map((m) => m[1]);
    for (const want of ['plots/learning-curves.svg', 'plots/gradients-init.svg', 'plots/gradients-trained.svg', 'runs/lstm/curve.svg']) expect(links).toContain(want);
    for (const l of links) expect(readFileSync(join(out, l), 'utf8')).toMatch(/^(<\?xml[^>]*>\s*)?<svg[\s\S]*<\/svg>\s*$/);
    // The diagnose plots compare the three cells.
    for (const cell of ['elman', 'gru', 'lstm']) expect(readFileSync(join(out, 'plots/gradients-trained.svg'), 'utf8')).toContain(`${cell}@trained`);
  });

  it('gives the KN rows `rnnc ngram train` and `rnnc ngram eval` give on the same slice', async () => {
    for (const order of [3, 5]) {
      const arpa = join(out, `kn${order}.arpa`);
      const trained = ok(await rnnc('ngram', 'train', '--data', slice('train'), '--valid', slice('valid'), '--order', String(order), '-o', arpa, '--json'));
      const test = ok(await rnnc('ngram', 'eval', arpa, '--data', slice('test'), '--json'));
      close(row(`kn${order}`).valid!, (trained.valid as { perplexity: number }).perplexity, 1e-5);
      close(row(`kn${order}`).test!, test.perplexity as number, 1e-5);
    }
  }, 60_000);

  it('gives a neural row `rnnc eval` gives on its checkpoint, and the mix `rnnc eval --mix --mix-tune`', async () => {
    const lstm = row('lstm');
    expect(existsSync(lstm.checkpoint!)).toBe(true);
    close(lstm.test!, ok(await rnnc('eval', lstm.checkpoint!, '--data', slice('test'), '--json')).perplexity as number, 1e-4);
    const mix = row('mix');
    const kn5 = join(out, 'kn5-mix.arpa');
    ok(await rnnc('ngram', 'train', '--data', slice('train'), '--order', '5', '-o', kn5, '--json'));
    const r = ok(await rnnc('eval', '--mix', `${row(mix.mix!.of).checkpoint!},${kn5}`, '--mix-tune', '--valid', slice('valid'), '--data', slice('test'), '--json'));
    close(mix.test!, r.perplexity as number, 1e-4);
    close(mix.valid!, (r.tuned as { mix: number }).mix, 1e-4);
  }, 60_000);
});
