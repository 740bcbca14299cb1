// Every RNNC_* environment variable the runtime reads, parsed and checked in this one place.
// A bad value is a user error (RangeError) naming the variable and what it accepts.
// (RNNC_NATIVE, read by scripts/build-native.mjs at install, is the build's, not the runtime's.)

import { MAX_MEMORY_MB } from '../kernels/index.ts';

export type Env = Record<string, string | undefined>;

/** The kernels' settings, as the fast path's first use reads them. */
export interface KernelSettings {
  /** RNNC_KERNELS: native, wasm or js; unset or empty: the best available (auto). */
  readonly backend: 'auto' | 'native' | 'wasm' | 'js';
  /** RNNC_MEMORY_MB: the kernels' memory, reserved once (default 2048). */
  readonly mb: number;
  /** RNNC_THREADS: 1 keeps gemm on the calling thread, 2 adds a helper; unset: by core count. */
  readonly threads: 1 | 2 | undefined;
  /** RNNC_MIN_PARALLEL_MFLOPS: the smallest product worth handing half of to the helper. */
  readonly minMflops: number | undefined;
}

export interface Settings {
  readonly kernels: KernelSettings;
  /** RNNC_SIMD_LOOPS: 0 runs fused element-wise loops as JavaScript only (default 1: WebAssembly SIMD). */
  readonly simdLoops: boolean;
  /** RNNC_TEST_SAVE_DELAY_MS (the crash-consistency test's hook): a sleep at each step of a checkpoint save. */
  readonly testSaveDelayMs: number;
}

/** The variables parsed here, in the order a message lists them. */
export const SETTING_NAMES = ['RNNC_KERNELS', 'RNNC_MEMORY_MB', 'RNNC_THREADS', 'RNNC_MIN_PARALLEL_MFLOPS', 'RNNC_SIMD_LOOPS', 'RNNC_TEST_SAVE_DELAY_MS'] as const;


const bad = (env: Env, name: string, want: string) => new RangeError(`${name}=${env[name]}: expected ${want}`);
const given = (v: string | undefined): v is string => v !== undefined && v !== '';

/** The kernels' settings from an environment, checked. */
export function kernelSettings(env: Env): KernelSettings {
  const k = env.RNNC_KERNELS;
  if (given(k) && k !== 'native' && k !== 'wasm' && k !== 'js') throw bad(env, 'RNNC_KERNELS', 'native, wasm or js');
  const backend = k === 'native' || k === 'wasm' || k === 'js' ? k : 'auto';
  const mb = Number(env.RNNC_MEMORY_MB ?? 2048);
  if (!(Number.isInteger(mb) && mb >= 16 && mb <= MAX_MEMORY_MB)) throw bad(env, 'RNNC_MEMORY_MB', `an integer number of MiB from 16 to ${MAX_MEMORY_MB}`);
  const threads = given(env.RNNC_THREADS) ? Number(env.RNNC_THREADS) : undefined;
  if (threads !== undefined && threads !== 1 && threads !== 2) throw bad(env, 'RNNC_THREADS', '1 or 2');
  const minMflops = given(env.RNNC_MIN_PARALLEL_MFLOPS) ? Number(env.RNNC_MIN_PARALLEL_MFLOPS) : undefined;
  if (minMflops !== undefined && !(minMflops >= 0)) throw bad(env, 'RNNC_MIN_PARALLEL_MFLOPS', 'a number ≥ 0');
  return { backend, mb, threads, minMflops };
}

/** Every setting from an environment, checked. */
export function parseSettings(env: Env): Settings {
  const kernels = kernelSettings(env);
  const loops = env.RNNC_SIMD_LOOPS;
  if (given(loops) && loops !== '0' && loops !== '1') throw bad(env, 'RNNC_SIMD_LOOPS', '0 or 1');
  const delay = Number(env.RNNC_TEST_SAVE_DELAY_MS ?? 0);
  if (!(delay >= 0 && Number.isFinite(delay))) throw bad(env, 'RNNC_TEST_SAVE_DELAY_MS', 'a number of milliseconds ≥ 0');
  return { kernels, simdLoops: loops !== '0', testSaveDelayMs: delay };
}

let parsed: { key: string; settings: Settings } | undefined;

/**
 * This process's settings: parsed on first use and again only if one of the variables has
 * changed since (a test that sets RNNC_KERNELS=js for a while sees it).
 */
export function settings(): Settings {
  const env = (globalThis as { process?: { env?: Env } }).process?.env ?? {};
  const key = SETTING_NAMES.map((n) => env[n] ?? '\u0000').join('\u0001');
  if (parsed?.key !== key) parsed = { key, settings: parseSettings(env) };
  return parsed.settings;
}
