// The RNNC_* settings: read in one place (src/backend/settings.ts), each bad value a one-line
// RangeError naming the variable. Oracles: a scan of src/ for environment reads, and values
// chosen on each side of every bound.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSettings, settings } from '../../src/backend/settings.ts';
import { tsFiles } from './import-graph.ts';

const src = path.resolve(import.meta.dirname, '../../src');

// Under StrykerJS (npm run mutate) the sources are its instrumented copies, which read process.env themselves.
const mutating = process.env.RNNC_MUTATE_TESTS !== undefined;

describe('the RNNC_* settings', () => {
  it.skipIf(mutating)('are read from the environment by src/backend/settings.ts alone', () => {
    const code = (f: string) => readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
    const readers = tsFiles(src).filter((f) => /process\.env|\.env\?*\.RNNC_|env\[/.test(code(f)));
    expect(readers.map((f) => path.relative(src, f)).filter((f) => !f.startsWith('cli/'))).toEqual(['backend/settings.ts']);
  });

  it('parse every variable, with defaults', () => {
    expect(parseSettings({})).toEqual({ kernels: { backend: 'auto', mb: 2048, threads: undefined, minMflops: undefined }, simdLoops: true, testSaveDelayMs: 0 });
    expect(parseSettings({ RNNC_KERNELS: 'js', RNNC_SIMD_LOOPS: '0', RNNC_TEST_SAVE_DELAY_MS: '15', RNNC_THREADS: '2', RNNC_MEMORY_MB: '16' }))
      .toEqual({ kernels: { backend: 'js', mb: 16, threads: 2, minMflops: undefined }, simdLoops: false, testSaveDelayMs: 15 });
    expect(parseSettings({ RNNC_SIMD_LOOPS: '1', RNNC_KERNELS: '' }).simdLoops).toBe(true);
  });

  it('refuse bad values with the variable and what it accepts', () => {
    expect(() => parseSettings({ RNNC_SIMD_LOOPS: 'off' })).toThrow(new RangeError('RNNC_SIMD_LOOPS=off: expected 0 or 1'));
    expect(() => parseSettings({ RNNC_TEST_SAVE_DELAY_MS: '-1' })).toThrow(/^RNNC_TEST_SAVE_DELAY_MS=-1: expected a number of milliseconds ≥ 0$/);
    expect(() => parseSettings({ RNNC_MEMORY_MB: '15' })).toThrow(/^RNNC_MEMORY_MB=15: expected an integer number of MiB from 16 to 65536$/);
    expect(() => parseSettings({ RNNC_MEMORY_MB: '65537' })).toThrow(RangeError);
    expect(parseSettings({ RNNC_MEMORY_MB: '65536' }).kernels.mb).toBe(65536);
  });

  it('accept each kernel back end and refuse others; threads 1 or 2; a parallel threshold ≥ 0', () => {
    for (const k of ['native', 'wasm', 'js'] as const) expect(parseSettings({ RNNC_KERNELS: k }).kernels.backend).toBe(k);
    expect(() => parseSettings({ RNNC_KERNELS: 'gpu' })).toThrow(new RangeError('RNNC_KERNELS=gpu: expected native, wasm or js'));
    expect(parseSettings({ RNNC_THREADS: '1' }).kernels.threads).toBe(1);
    expect(() => parseSettings({ RNNC_THREADS: '3' })).toThrow(new RangeError('RNNC_THREADS=3: expected 1 or 2'));
    expect(parseSettings({ RNNC_MIN_PARALLEL_MFLOPS: '0' }).kernels.minMflops).toBe(0);
    expect(() => parseSettings({ RNNC_MIN_PARALLEL_MFLOPS: '-1' })).toThrow(new RangeError('RNNC_MIN_PARALLEL_MFLOPS=-1: expected a number ≥ 0'));
  });

  describe('of this process', () => {
    const names = ['RNNC_SIMD_LOOPS', 'RNNC_THREADS', 'RNNC_MIN_PARALLEL_MFLOPS'] as const;
    const before = names.map((n) => process.env[n]);
    afterEach(() => {
      names.forEach((n, k) => {
        if (before[k] === undefined) delete process.env[n];
        else process.env[n] = before[k];
      });
    });
    it('are parsed once, and again only when a variable changes', () => {
      process.env.RNNC_SIMD_LOOPS = '0';
      const first = settings();
      expect(first.simdLoops).toBe(false);
      expect(settings()).toBe(first);
      process.env.RNNC_SIMD_LOOPS = '1';
      expect(settings().simdLoops).toBe(true);
      process.env.RNNC_SIMD_LOOPS = 'yes';
      expect(() => settings()).toThrow(/RNNC_SIMD_LOOPS=yes/);
    });
    it('tell the variables apart: a value moved from one to the next is a change', () => {
      process.env.RNNC_THREADS = '1';
      process.env.RNNC_MIN_PARALLEL_MFLOPS = '';
      expect(settings().kernels).toMatchObject({ threads: 1, minMflops: undefined });
      process.env.RNNC_THREADS = '';
      process.env.RNNC_MIN_PARALLEL_MFLOPS = '1';
      expect(settings().kernels).toMatchObject({ threads: undefined, minMflops: 1 });
    });
  });
});
