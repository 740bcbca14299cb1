// `rnnc train --shift-windows` as a user meets it: the plan line says it (with the epoch's one
// window fewer), config.json records it, --resume continues it without the flag and refuses to
// add it to a run that had none.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rnnc } from './run.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnc-shift-e2e-'));
const corpus = join(dir, 'corpus.txt');
writeFileSync(corpus, 'To be, or not to be, that is the question:\nWhether tis nobler in the mind to suffer\n'.repeat(40));
const tiny = ['--dims', 'embed=8,hidden=16', '--batch', '4', '--bptt', '16', '--sample', '0'];
const config = (out: string) => JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));

describe('rnnc train --shift-windows', () => {
  it('says it in the plan line, records it, keeps it on --resume, and refuses it on a run without', async () => {
    const out = join(dir, 'shift');
    const r = await rnnc('train', 'models/char-lstm.rnn', '--data', corpus, ...tiny, '--steps', '3', '--shift-windows', '--out', out);
    expect(r.stderr).toBe('');
    // 3,360 chars → 3,024 for training → streams of 756: ⌊(756 − 16) / 16⌋ = 46 windows (⌊755 / 16⌋ = 47 unshifted).
    expect(r.stdout).toMatch(/^batch 4 × bptt 16 \(windows shifted each epoch\): 46 steps per epoch;/m);
    expect(config(out).train.shiftWindows).toBe(true);
    const resumed = await rnnc('train', '--resume', out, '--steps', '5');
    expect(resumed.code).toBe(0);
    expect(config(out).train.shiftWindows).toBe(true);
    expect(config(out).step).toBe(5);

    const plain = join(dir, 'plain');
    const p = await rnnc('train', 'models/char-lstm.rnn', '--data', corpus, ...tiny, '--steps', '2', '--out', plain);
    expect(p.stdout).toMatch(/^batch 4 × bptt 16: 47 steps per epoch;/m);
    expect(config(plain).train.shiftWindows).toBe(false);
    const added = await rnnc('train', '--resume', plain, '--steps', '4', '--shift-windows');
    expect(added.code).toBe(1);
    expect(added.stderr).toMatch(/--shift-windows true \(the run has false\)/);
  });
});
