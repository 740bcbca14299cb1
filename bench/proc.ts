// Child processes of the benchmark harness: run one, parse its JSON output, time it.
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(BENCH, '..');
export const PEERS = path.resolve(ROOT, '../shared/peers');
export const PYTHON = '/usr/bin/python3';
/** The environment ../shared/peers/torch.sh sets for a thread count (used for numpy too). */
export function blasEnv(threads: number): NodeJS.ProcessEnv {
  const t = String(threads);
  return { ...process.env, LD_LIBRARY_PATH: '/usr/lib/x86_64-linux-gnu/openblas-openmp', OMP_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t, MKL_NUM_THREADS: t };
}

export type Json = Record<string, unknown>;

export interface Outcome {
  /** The JSON lines the child printed on stdout, in order. */
  lines: Json[];
  /** Wall time of the child, seconds. */
  wall: number;
  /** Set when the child failed (non-zero exit, or no JSON). */
  error?: string;
  code: number | null;
}

/**
 * Runs a command to completion, collecting its JSON stdout lines; `onLine` sees each as it
 * arrives (for progress on long runs). stderr is kept for the error message only.
 */
export function run(cmd: string, args: string[], options: { env?: NodeJS.ProcessEnv; onLine?: (j: Json) => void } = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd: ROOT, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Json[] = [];
    let buf = '';
    let err = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (!line.startsWith('{')) continue;
        try {
          const j = JSON.parse(line) as Json;
          lines.push(j);
          options.onLine?.(j);
        } catch {
          /* not a JSON line */
        }
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (err = (err + d).slice(-4000)));
    const done = (code: number | null, e?: string) => {
      const wall = (performance.now() - t0) / 1000;
      const last = err.trim().split('\n').filter(Boolean).pop() ?? '';
      const error = e ?? (code !== 0 ? `exit ${code}: ${last}` : lines.length === 0 ? `no JSON output: ${last}` : undefined);
      resolve({ lines, wall, error, code });
    };
    child.on('error', (e) => done(null, e.message));
    child.on('close', (code) => done(code));
  });
}

/** Whether Debian's python has torch with the OpenBLAS environment torch.sh uses. */
export function torchInstalled(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch'], { env: blasEnv(1), stdio: 'ignore' }).status === 0;
}

export function numpyInstalled(): boolean {
  return spawnSync(PYTHON, ['-c', 'import numpy'], { env: blasEnv(1), stdio: 'ignore' }).status === 0;
}

export const median = (xs: number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
