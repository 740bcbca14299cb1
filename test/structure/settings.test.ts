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

  describe('of this process', () => {
    const before = process.env.RNNC_SIMD_LOOPS;
    afterEach(() => {
      if (before === undefined) delete process.env.RNNC_SIMD_LOOPS;
      else process.env.RNNC_SIMD_LOOPS = before;
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
  });
});
