// `rnnc train --lr-schedule cosine` as a user runs it: the rate of each step from the budget
// spent before it (steps here, so exactly), the plan line that says so, and --resume taking
// the schedule's own values and refusing a changed final rate.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rnnc } from './run.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnc-cosine-e2e-'));
const corpus = join(dir, 'corpus.txt');
writeFileSync(corpus, 'To be, or not to be, that is the question:\nWhether tis nobler in the mind to suffer\n'.repeat(40));
const tiny = ['--dims', 'embed=8,hidden=16', '--batch', '4', '--bptt', '16', '--sample', '0'];

describe('rnnc train --lr-schedule cosine', () => {
  it('steps at lr·(final + (1 − final)(1 + cos πp)/2), p = steps done / --steps; --resume keeps it, refuses another --lr-decay', async () => {
    const out = join(dir, 'cos');
    const r = await rnnc('train', 'models/char-lstm.rnn', '--data', corpus, ...tiny, '--steps', '10', '--lr', '0.01', '--lr-schedule', 'cosine', '--lr-decay', '0.2', '--json', '--log-every', '1', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const steps = r.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => 'tokens_per_s' in l && !('event' in l));
    expect(steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    steps.forEach((s, k) => expect(s.lr).toBeCloseTo(0.01 * (0.2 + (0.8 * (1 + Math.cos((Math.PI * k) / 10))) / 2), 12));
    const plain = await rnnc('train', 'models/char-lstm.rnn', '--data', corpus, ...tiny, '--steps', '1', '--lr-schedule', 'cosine', '--out', join(dir, 'plain'));
    expect(plain.stdout).toContain("adam lr 0.002 on a half cosine to 0.1× at the budget's end");
    const same = await rnnc('train', '--resume', out, '--steps', '12', '--lr-schedule', 'cosine', '--lr-decay', '0.2', '--json', '--log-every', '1');
    expect(same.stderr).toBe('');
    expect(same.code).toBe(0);
    const more = same.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => 'tokens_per_s' in l && !('event' in l));
    expect(more.map((s) => s.step)).toEqual([11, 12]); // a longer budget: p = 10/12, 11/12
    more.forEach((s, k) => expect(s.lr).toBeCloseTo(0.01 * (0.2 + (0.8 * (1 + Math.cos((Math.PI * (10 + k)) / 12))) / 2), 12));
    const changed = await rnnc('train', '--resume', out, '--steps', '14', '--lr-decay', '0.5');
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(/--lr-decay 0\.5 \(the run has 0\.2\)/);
  });
});
