// GEMM benchmark: the native and WebAssembly kernels against the plain-JS loop and, in the same run,
// OpenBLAS through numpy (../shared/peers). Run: npx tsx bench/gemm.ts [--quick] [--runs N]
// [--only SUBSTRING]. Never part of npm test.
//
// The machine is shared and noisy, so every engine runs interleaved, case by case, round by
// round (each sample ≈ 40 ms), and the table reports the median GFLOP/s of each; ratios are
// only meaningful against numbers taken in this same run.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import path from 'node:path';
import { createJsKernels, createKernels, loadNative, relaxedSimdSupported, type Kernels } from '../src/kernels/index.ts';

interface Case {
  name: string;
  what: string;
  ta: boolean;
  tb: boolean;
  M: number;
  N: number;
  K: number;
  beta: number;
}

const CASES: Case[] = [
  { name: 'NT 32×1024×256', what: 'LSTM-256 step h·Uᵀ', ta: false, tb: true, M: 32, N: 1024, K: 256, beta: 0 },
  { name: 'NT 32×1024×320', what: 'LSTM step [x,h]·Wᵀ (numpy case)', ta: false, tb: true, M: 32, N: 1024, K: 320, beta: 0 },
  { name: 'NT 2048×1024×64', what: 'hoisted x-projection', ta: false, tb: true, M: 2048, N: 1024, K: 64, beta: 0 },
  { name: 'NT 2048×65×256', what: 'output projection', ta: false, tb: true, M: 2048, N: 65, K: 256, beta: 0 },
  { name: 'NN 32×256×1024', what: 'backward dh = dG·U', ta: false, tb: false, M: 32, N: 256, K: 1024, beta: 0 },
  { name: 'NN 2048×64×1024', what: 'backward dX = dG·W (hoisted)', ta: false, tb: false, M: 2048, N: 64, K: 1024, beta: 0 },
  { name: 'TN 1024×256×32', what: 'dU += dGᵀ·h, one step', ta: true, tb: false, M: 1024, N: 256, K: 32, beta: 1 },
  { name: 'TN 1024×256×2048', what: 'dU += dGᵀ·H, whole window', ta: true, tb: false, M: 1024, N: 256, K: 2048, beta: 1 },
  { name: 'TN 65×256×2048', what: 'dV += dYᵀ·H', ta: true, tb: false, M: 65, N: 256, K: 2048, beta: 1 },
  { name: 'NT 32×2048×512', what: 'LSTM-512 step h·Uᵀ', ta: false, tb: true, M: 32, N: 2048, K: 512, beta: 0 },
  { name: 'NN 512×512×512', what: 'square (numpy case)', ta: false, tb: false, M: 512, N: 512, K: 512, beta: 0 },
];

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes('--quick');
const runs = Number(opt('--runs') ?? (quick ? 5 : 7));
const only = opt('--only');
const sampleMs = quick ? 25 : 40;
const cases = CASES.filter((c) => !only || c.name.includes(only));

interface Engine {
  name: string;
  kernels: Kernels<Float32Array>;
  /** The JS loop is ~20× slower: give it one call per sample on big cases. */
  slow?: boolean;
}

const engines: Engine[] = [];
// Each with the kernels' default threads (2 on a machine with two cores); native 1T for the per-core figure.
if (loadNative().module) {
  engines.push({ name: 'native', kernels: createKernels({ backend: 'native', maxBytes: 64 << 20 }) });
  engines.push({ name: 'native 1T', kernels: createKernels({ backend: 'native', maxBytes: 64 << 20, threads: 1 }) });
  if (loadNative().module?.bf16) {
    // --matmul bf16: inputs rounded to bfloat16, float32 sums (AVX512-BF16 CPUs only).
    const bf16 = createKernels({ backend: 'native', maxBytes: 64 << 20, threads: 1 });
    bf16.setMatmul!('bf16');
    engines.push({ name: 'native bf16 1T', kernels: bf16 });
  }
}
if (relaxedSimdSupported(true)) engines.push({ name: 'wasm fma', kernels: createKernels({ backend: 'wasm', maxBytes: 64 << 20 }) });
engines.push({ name: 'wasm simd', kernels: createKernels({ backend: 'wasm', maxBytes: 64 << 20, relaxedSimd: 'off' }) });
engines.push({ name: 'js loop', kernels: createJsKernels({ maxBytes: 64 << 20 }), slow: true });

interface Bound { run(): void; flop: number }

function bind(e: Engine, c: Case): Bound {
  const k = e.kernels;
  const lda = c.ta ? c.M : c.K, ldb = c.tb ? c.K : c.N;
  const A = k.alloc(c.M * c.K), B = k.alloc(c.K * c.N), C = k.alloc(c.M * c.N);
  for (const v of [A.view, B.view, C.view]) for (let i = 0; i < v.length; i++) v[i] = Math.random() - 0.5;
  return {
    flop: 2 * c.M * c.N * c.K,
    run: () => k.gemm(c.ta, c.tb, c.M, c.N, c.K, 1, A.ptr, lda, B.ptr, ldb, c.beta, C.ptr, c.N),
  };
}

/** GFLOP/s over one sample of at least `ms` (at least one call). */
function sample(b: Bound, ms: number): number {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  do {
    b.run();
    n++;
    t = performance.now();
  } while (t - t0 < ms);
  return (b.flop * n) / ((t - t0) * 1e6);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---- numpy / OpenBLAS in the same run ---------------------------------------------------

const here = path.dirname(fileURLToPath(import.meta.url));
const peers = path.resolve(here, '../../shared/peers');
const python = '/usr/bin/python3';

function hasNumpy(): boolean {
  if (!existsSync(python)) return false;
  return spawnSync(python, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
}

/** The same cases (with the same transposes) timed by numpy's matmul → OpenBLAS sgemm. */
function numpyCases(threads: number): Map<string, number> | string {
  const script = `
import json, sys, time
import numpy as np
cases = json.loads(sys.argv[1]); runs = int(sys.argv[2]); ms = float(sys.argv[3]) / 1000
rng = np.random.default_rng(0)
out = {}
for c in cases:
    M, N, K = c['M'], c['N'], c['K']
    a = rng.standard_normal((K, M) if c['ta'] else (M, K)).astype(np.float32)
    b = rng.standard_normal((N, K) if c['tb'] else (K, N)).astype(np.float32)
    A = a.T if c['ta'] else a
    B = b.T if c['tb'] else b
    C = np.empty((M, N), dtype=np.float32)
    for _ in range(3): np.matmul(A, B, out=C)
    g = []
    for _ in range(runs):
        n = 0; t0 = time.perf_counter(); t = t0
        while True:
            np.matmul(A, B, out=C); n += 1; t = time.perf_counter()
            if t - t0 >= ms: break
        g.append(2.0 * M * N * K * n / (t - t0) / 1e9)
    g.sort()
    out[c['name']] = g[len(g) // 2]
print(json.dumps(out))
`;
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
  const r = spawnSync(python, ['-c', script, JSON.stringify(cases), String(runs), String(sampleMs)], { env, encoding: 'utf8' });
  if (r.status !== 0) return `numpy failed: ${r.stderr.trim().split('\n').pop()}`;
  return new Map(Object.entries(JSON.parse(r.stdout) as Record<string, number>));
}

/** ../shared/peers/gemm_numpy.py: the OpenBLAS SGEMM anchor (512³). */
function numpyPeak(threads: number): { gflops: number; core: string } | string {
  const script = path.join(peers, 'gemm_numpy.py');
  if (!existsSync(script)) return `${script} not found`;
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads), GEMM_MIN_TIME: '0.3' };
  const r = spawnSync(python, [script, 'sgemm 512^3'], { env, encoding: 'utf8' });
  if (r.status !== 0) return `gemm_numpy.py failed: ${r.stderr.trim().split('\n').pop()}`;
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const g = lines.find((l) => typeof l.gflops === 'number');
  const info = lines.find((l) => 'openblas_core' in l);
  return { gflops: g?.gflops as number, core: String(info?.openblas_core ?? '?') };
}

// ---- run ----------------------------------------------------------------------------------

console.log(`# GEMM benchmark (float32, row-major) — ${new Date().toISOString()}`);
console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? '?'} × ${os.cpus().length}, load ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log(`engines: ${engines.map((e) => `${e.name} [${e.kernels.backend}]`).join(', ')}; median of ${runs} samples of ≥${sampleMs} ms, interleaved\n`);

const numpyAvailable = hasNumpy();
const peakBefore = numpyAvailable ? numpyPeak(1) : 'numpy not installed (apt-get install python3-numpy)';

const results = new Map<string, Map<string, number[]>>();
const bound = cases.map((c) => engines.map((e) => bind(e, c)));
// Warm up: lets V8 tier the wasm functions up to TurboFan (Liftoff first).
for (let ci = 0; ci < cases.length; ci++) for (let ei = 0; ei < engines.length; ei++) sample(bound[ci][ei], engines[ei].slow ? 0 : 150);
for (let r = 0; r < runs; r++) {
  for (let ci = 0; ci < cases.length; ci++) {
    for (let ei = 0; ei < engines.length; ei++) {
      const g = sample(bound[ci][ei], engines[ei].slow ? Math.min(sampleMs, 1) : sampleMs);
      const byEngine = results.get(cases[ci].name) ?? new Map<string, number[]>();
      results.set(cases[ci].name, byEngine);
      const xs = byEngine.get(engines[ei].name) ?? [];
      byEngine.set(engines[ei].name, xs);
      xs.push(g);
    }
  }
}

const np1 = numpyAvailable ? numpyCases(1) : undefined;
const peakAfter = numpyAvailable ? numpyPeak(1) : undefined;

const fmt = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(1));
const best = engines[0].name;
// numpy runs one thread: compare it with the first one-thread engine (native 1T where built).
const oneT = Math.max(0, engines.findIndex((e) => (e.kernels as { threads?: number }).threads === 1 && !e.slow));
const header = ['case', 'use', ...engines.map((e) => e.name), 'numpy 1T', `${engines[oneT].name} / numpy 1T`, `${best} / js`];
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const c of cases) {
  const byEngine = results.get(c.name)!;
  const med = engines.map((e) => median(byEngine.get(e.name)!));
  const np = np1 instanceof Map ? np1.get(c.name) : undefined;
  const row = [
    c.name, c.what, ...med.map(fmt), fmt(np),
    np ? (med[oneT] / np).toFixed(2) : '–',
    (med[0] / med[engines.length - 1]).toFixed(1) + '×',
  ];
  console.log(`| ${row.join(' | ')} |`);
}
console.log('\nGFLOP/s (2·M·N·K per call). NT = A·Bᵀ, NN = A·B, TN = Aᵀ·B (beta = 1: accumulate).');
if (typeof np1 === 'string') console.log(np1);
const peakLine = (p: typeof peakBefore | undefined) =>
  p === undefined ? '–' : typeof p === 'string' ? p : `${p.gflops} GFLOP/s (${p.core})`;
console.log(`OpenBLAS SGEMM 512³, 1 thread (../shared/peers/gemm_numpy.py): before ${peakLine(peakBefore)}, after ${peakLine(peakAfter)}`);
