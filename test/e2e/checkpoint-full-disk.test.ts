// A full disk (ENOSPC) while a checkpoint is saved: one line and exit 1, the previous
// checkpoint intact and loadable, no half-written leftovers. Needs root to mount a small
// tmpfs; skipped otherwise, saying so.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rnnc } from './run.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnc-full-disk-'));
const mnt = join(dir, 'mnt');
const corpus = join(dir, 'corpus.txt');
writeFileSync(corpus, 'To be, or not to be, that is the question:\nWhether tis nobler in the mind to suffer\n'.repeat(40));
// 55,542 parameters: about 0.7 MB per checkpoint (weights and Adam's two buffers).
const model = ['--data', corpus, '--dims', 'embed=16,hidden=64', '--batch', '4', '--bptt', '16', '--sample', '0'];

let mounted = false;
beforeAll(() => {
  mkdirSync(mnt);
  if (process.getuid?.() !== 0) return;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt], { stdio: 'ignore' });
    mounted = true;
  } catch {
    // not permitted here (a container without CAP_SYS_ADMIN): skipped below
  }
});

afterAll(() => {
  if (mounted) execFileSync('umount', [mnt], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
});

describe('a full disk', () => {
  it('ENOSPC during a save: exit 1 with one line, the previous checkpoint loadable', { timeout: 120_000 }, async (ctx) => {
    if (!mounted) {
      console.log('skipped: full-disk test needs root to mount a tmpfs');
      ctx.skip();
    }
    const out = join(mnt, 'run');
    const first = await rnnc('train', 'models/char-lstm.rnn', ...model, '--steps', '4', '--out', out);
    expect(first.code, first.stderr).toBe(0);
    const weights = readFileSync(join(out, 'model.safetensors'));
    // Leave room for less than one more checkpoint: the next save cannot complete.
    const fs = statfsSync(mnt);
    const free = fs.bavail * fs.bsize;
    writeFileSync(join(mnt, 'filler'), Buffer.alloc(Math.max(0, free - weights.length)));
    const r = await rnnc('train', '--resume', out, '--steps', '8', '--eval-every', '2');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/^error: cannot save the checkpoint to .*run: no space left on the device \(ENOSPC\); the last good checkpoint, of step 4, is in .*run\n$/);
    expect(readdirSync(mnt).sort()).toEqual(['filler', 'run']); // the half-written set is gone
    expect(readFileSync(join(out, 'model.safetensors')).equals(weights)).toBe(true);
    const e = await rnnc('eval', out, '--data', corpus, '--json');
    expect(e.code, e.stderr).toBe(0);
    expect(Number.isFinite(JSON.parse(e.stdout).loss)).toBe(true);
    // With the space back, the run resumes from that checkpoint.
    rmSync(join(mnt, 'filler'));
    const again = await rnnc('train', '--resume', out, '--steps', '6');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/at step 4/);
  });
});
