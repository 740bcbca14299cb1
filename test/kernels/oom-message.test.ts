// Out of kernel memory: the message says what the model needs and what the machine has, and
// suggests RNNC_MEMORY_MB only when a value it accepts would hold the model on this machine.
// It used to say "set RNNC_MEMORY_MB higher" even when 286 GiB were needed.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_MEMORY_MB, outOfMemoryMessage } from '../../src/kernels/index.ts';
import { fastPath } from '../../src/backend/kernels.ts';
import { runtimeFor } from '../../src/backend/memory.ts';
import { rnnc } from '../e2e/run.ts';

const MiB = 2 ** 20;
const GiB = 2 ** 30;

describe('outOfMemoryMessage', () => {
  it('a model larger than the machine: its size, the RAM, and smaller sizes, not RNNC_MEMORY_MB', () => {
    const m = outOfMemoryMessage({ requested: 480e9, free: 2 * GiB, reserved: 2 * GiB, machine: 23.5 * GiB });
    expect(m).toBe('out of kernel memory: the model needs at least 447.0 GiB for its parameters, gradients and activations, more than the 2.00 GiB reserved (RNNC_MEMORY_MB=2048), and this machine has 23.5 GiB of RAM: use smaller dims, --batch or --bptt');
    expect(m).not.toMatch(/set RNNC_MEMORY_MB/);
  });

  it('a model that fits the machine: RNNC_MEMORY_MB with room for it, within the RAM', () => {
    const m = outOfMemoryMessage({ requested: 3 * GiB, free: 1 * GiB, reserved: 2 * GiB, machine: 16 * GiB });
    // 1 GiB taken + 3 GiB asked = 4 GiB; half as much again, in whole GiB.
    expect(m).toBe('out of kernel memory: the model needs at least 4.00 GiB for its parameters, gradients and activations, more than the 2.00 GiB reserved (RNNC_MEMORY_MB=2048); this machine has 16.0 GiB of RAM: set RNNC_MEMORY_MB=6144');
    const small = outOfMemoryMessage({ requested: 10 * MiB, free: 5 * MiB, reserved: 16 * MiB, machine: 8 * GiB });
    expect(small).toMatch(/needs at least 21\.0 MiB .* more than the 16\.0 MiB reserved \(RNNC_MEMORY_MB=16\); this machine has 8\.00 GiB of RAM: set RNNC_MEMORY_MB=1024$/);
  });

  it('never suggests more than the machine has or RNNC_MEMORY_MB accepts', () => {
    // Fits in 24 GiB of RAM, but not with headroom: capped at the RAM, still above the need.
    expect(outOfMemoryMessage({ requested: 20 * GiB, free: 0, reserved: 2 * GiB, machine: 24 * GiB })).toMatch(/: set RNNC_MEMORY_MB=24576$/);
    // Nearly all of the RAM: no value both fits the machine and holds the model.
    const tight = outOfMemoryMessage({ requested: 22.2 * GiB, free: 0, reserved: 2 * GiB, machine: 24.5 * GiB });
    expect(tight).toMatch(/nearly all of the RAM of this machine \(24\.5 GiB\): use smaller dims, --batch or --bptt$/);
    // A big machine, but beyond what RNNC_MEMORY_MB may reserve.
    const big = outOfMemoryMessage({ requested: 100 * GiB, free: 0, reserved: 2 * GiB, machine: 512 * GiB });
    expect(big).toMatch(new RegExp(`RNNC_MEMORY_MB reserves at most ${MAX_MEMORY_MB} \\(64\\.0 GiB\\): use smaller dims, --batch or --bptt$`));
    expect(big).not.toMatch(/set RNNC_MEMORY_MB/);
  });
});

// The allocator of generated code on the fast path: an array and its 64 bytes of alignment must fit what is free.
describe.skipIf(fastPath() === null)('runtimeFor(Float32Array).alloc', () => {
  it('refuses an array whose bytes and alignment exceed the free memory, with the message; allocates a zeroed one that fits', () => {
    const { alloc } = runtimeFor(Float32Array);
    const free = fastPath()!.kernels.available();
    // 32 bytes short of the free memory as floats: only the alignment makes it too large.
    expect(() => alloc(Math.floor((free - 32) / 4))).toThrow(/^out of kernel memory: the model needs at least /);
    expect(() => alloc(4 * free)).toThrow(RangeError);
    const a = alloc(1000);
    expect(a).toBeInstanceOf(Float32Array);
    expect(a.length).toBe(1000);
    expect(a.every((v) => v === 0)).toBe(true);
    expect(fastPath()!.kernels.available()).toBeLessThanOrEqual(free - 4000);
  });
});

describe('rnnc train out of kernel memory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnc-oom-'));
  const corpus = join(dir, 'corpus.txt');
  writeFileSync(corpus, 'To be, or not to be, that is the question:\n'.repeat(20));

  // A model this size is refused before any memory is asked for (no arena holds 2^31 values),
  // so the message for a need beyond the machine is tested through outOfMemoryMessage above.
  it('a model too large for any arena: one line that says so, and no RNNC_MEMORY_MB to try', async () => {
    const r = await rnnc('train', 'models/char-lstm.rnn', '--data', corpus, '--dims', 'hidden=80000', '--steps', '1', '--out', join(dir, 'huge'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: model CharLSTM: param h1\.U_i \[80000, 80000\] has 6\.40e\+9 entries, more than the 2147483647 an array can hold; use smaller dims\n$/);
    expect(r.stderr).not.toMatch(/RNNC_MEMORY_MB/);
  });

  it('a model a little larger than RNNC_MEMORY_MB: the suggested value works', async () => {
    const args = ['train', 'models/char-lstm.rnn', '--data', corpus, '--dims', 'embed=8,hidden=400', '--batch', '2', '--bptt', '8', '--steps', '1', '--json'];
    const env = (mb: string) => ({ ...process.env, RNNC_MEMORY_MB: mb });
    const r = await rnncEnv(env('16'), ...args, '--out', join(dir, 'small'));
    expect(r.code).toBe(1);
    const mb = /: set RNNC_MEMORY_MB=(\d+)\n$/.exec(r.stderr)?.[1];
    expect(mb, r.stderr).toBeDefined();
    const again = await rnncEnv(env(mb!), ...args, '--out', join(dir, 'small2'));
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
  });
});

/** rnnc with its own environment. */
async function rnncEnv(env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile('node', ['bin/rnnc.js', ...args], { encoding: 'utf8', env }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
