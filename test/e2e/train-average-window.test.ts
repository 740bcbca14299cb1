// `rnnc train --average-window` as a user meets it: refused without averaging (naming the flag
// to add), said in the plan line, recorded in config.json, and kept by --resume, which refuses
// another window.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rnnc } from './run.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnc-avgwin-e2e-'));
const corpus = join(dir, 'corpus.txt');
writeFileSync(corpus, 'To be, or not to be, that is the question:\nWhether tis nobler in the mind to suffer\n'.repeat(40));
const tiny = ['--dims', 'embed=8,hidden=16', '--batch', '4', '--bptt', '16', '--sample', '0'];

describe('rnnc train --average-window', () => {
  it('needs averaging; the plan line says it, config.json records it, --resume refuses another', async () => {
    const alone = await rnnc('train', 'models/char-lstm.rnn', '--data', corpus, ...tiny, '--steps', '1', '--average-window', '0.5', '--out', join(dir, 'alone'));
    expect(alone.code).toBe(1);
    expect(alone.stderr).toBe('error: --average-window 0.5 weighs the averaged steps; add --average-at (or use --optimizer nt-asgd)\n');
    const zero = await rnnc('train', 'models/char-lstm.rnn', '--data', corpus, ...tiny, '--steps', '1', '--average-at', '0.5', '--average-window', '0', '--out', join(dir, 'zero'));
    expect(zero.code).toBe(2); // a usage error
    expect(zero.stderr).toMatch(/--average-window <epochs>' argument '0' is invalid\. expected a number > 0/);

    const out = join(dir, 'win');
    const r = await rnnc('train', 'models/char-lstm.rnn', '--data', corpus, ...tiny, '--steps', '6', '--average-at', '0.5', '--average-window', '0.5', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/adam lr 0\.002, averaging from 50 % of the budget \(moving over 0\.5 epochs\), clip 5; budget 6 steps/);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).train.averageWindow).toBe(0.5);
    const same = await rnnc('train', '--resume', out, '--steps', '8', '--average-window', '0.5');
    expect(same.code).toBe(0);
    const changed = await rnnc('train', '--resume', out, '--steps', '9', '--average-window', '2');
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(/--average-window 2 \(the run has 0\.5\)/);
  });
});
