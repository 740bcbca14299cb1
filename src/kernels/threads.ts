// A second thread for gemm: one worker_threads worker instantiates the same compiled module on
// the same shared WebAssembly.Memory and computes half of C (its own columns or rows, so
// the halves never overlap and the result is bitwise the same as on one thread).
//
// Hand-off goes through a 64-byte control block in the memory: the caller writes the
// arguments, bumps `seq` and notifies; the worker spins briefly, then sleeps in
// Atomics.wait, runs its half, stores `done = seq` and notifies. The caller runs the other
// half meanwhile and then spins (falling back to Atomics.wait) until done. Until the worker
// has started (it starts asynchronously) every call runs on the caller's thread alone.

/** Int32 slots of the control block. */
export const CTL = {
  seq: 0, done: 1, ready: 2, error: 3,
  ta: 4, tb: 5, m: 6, n: 7, k: 8, alpha: 9, a: 10, lda: 11, b: 12, ldb: 13, beta: 14, c: 15, ldc: 16,
} as const;
export const CTL_BYTES = 128;

// Plain JavaScript, evaluated as the worker's (CommonJS) main script.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, ctlPtr, workPtr, spin } = workerData;
const gemm = new WebAssembly.Instance(module, { env: { memory } }).exports.gemm;
const I = new Int32Array(memory.buffer, ctlPtr, 32);
const F = new Float32Array(memory.buffer, ctlPtr, 32);
let seen = Atomics.load(I, ${CTL.seq});
Atomics.store(I, ${CTL.ready}, 1);
Atomics.notify(I, ${CTL.ready});
for (;;) {
  let s = Atomics.load(I, ${CTL.seq});
  for (let i = 0; s === seen && i < spin; i++) s = Atomics.load(I, ${CTL.seq});
  while (s === seen) {
    Atomics.wait(I, ${CTL.seq}, seen);
    s = Atomics.load(I, ${CTL.seq});
  }
  if (s < 0) break;
  seen = s;
  try {
    gemm(I[${CTL.ta}], I[${CTL.tb}], I[${CTL.m}], I[${CTL.n}], I[${CTL.k}], F[${CTL.alpha}],
         I[${CTL.a}], I[${CTL.lda}], I[${CTL.b}], I[${CTL.ldb}], F[${CTL.beta}], I[${CTL.c}], I[${CTL.ldc}], workPtr);
  } catch (e) {
    Atomics.store(I, ${CTL.error}, 1);
  }
  Atomics.store(I, ${CTL.done}, seen);
  Atomics.notify(I, ${CTL.done});
}
`;

/** A Node built-in module, loaded synchronously (Node ≥ 20.16); undefined elsewhere. */
export function nodeBuiltin<T>(id: string): T | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.(id) as T | undefined;
}

interface WorkerLike {
  unref(): void;
  terminate(): Promise<number>;
  on(event: 'error', fn: (e: unknown) => void): void;
}
type WorkerCtor = new (src: string, opts: { eval: true; workerData: unknown }) => WorkerLike;

export type GemmFn = (
  ta: number, tb: number, m: number, n: number, k: number, alpha: number,
  a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number, work: number,
) => void;

export interface Helper {
  /** Whether the worker is up; before that, calls run on the caller's thread. */
  ready(): boolean;
  /** Resolves when the worker is up (true) or has failed to start (false). */
  whenReady(): Promise<boolean>;
  /** Start the worker on these arguments (its half of C). */
  post(ta: number, tb: number, m: number, n: number, k: number, alpha: number,
    a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number): void;
  /** Wait until the posted job is done. */
  join(): void;
  dispose(): void;
}

/** Start the helper thread, or return undefined where worker_threads is unavailable. */
export function startHelper(
  module: WebAssembly.Module, memory: WebAssembly.Memory, ctlPtr: number, workPtr: number,
  spin = 20000,
): Helper | undefined {
  const wt = nodeBuiltin<{ Worker?: WorkerCtor }>('node:worker_threads');
  if (!wt?.Worker || !(memory.buffer instanceof SharedArrayBuffer)) return undefined;
  const I = new Int32Array(memory.buffer, ctlPtr, 32);
  const F = new Float32Array(memory.buffer, ctlPtr, 32);
  I.fill(0);
  let failed = false;
  const worker = new wt.Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, ctlPtr, workPtr, spin } });
  worker.on('error', () => (failed = true)); // e.g. no WebAssembly in workers: stay single-threaded
  worker.unref(); // an idle helper must not keep the process alive
  let seq = 0;
  let isReady = false;
  return {
    ready: () => (isReady ||= !failed && Atomics.load(I, CTL.ready) === 1),
    async whenReady() {
      const t0 = Date.now();
      while (!failed && Atomics.load(I, CTL.ready) !== 1 && Date.now() - t0 < 10_000) {
        await new Promise((r) => setTimeout(r, 2));
      }
      return !failed && Atomics.load(I, CTL.ready) === 1;
    },
    post(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
      I[CTL.ta] = ta; I[CTL.tb] = tb; I[CTL.m] = m; I[CTL.n] = n; I[CTL.k] = k; F[CTL.alpha] = alpha;
      I[CTL.a] = a; I[CTL.lda] = lda; I[CTL.b] = b; I[CTL.ldb] = ldb; F[CTL.beta] = beta; I[CTL.c] = c; I[CTL.ldc] = ldc;
      seq = (seq + 1) & 0x3fffffff;
      Atomics.store(I, CTL.seq, seq);
      Atomics.notify(I, CTL.seq);
    },
    join() {
      let i = 0;
      while (Atomics.load(I, CTL.done) !== seq) {
        if (++i > 200_000) Atomics.wait(I, CTL.done, Atomics.load(I, CTL.done), 1);
        if (i > 200_000 + 30_000) throw new Error('gemm helper thread does not answer');
      }
      if (Atomics.load(I, CTL.error)) {
        Atomics.store(I, CTL.error, 0);
        throw new Error('gemm failed in the helper thread');
      }
    },
    dispose() {
      Atomics.store(I, CTL.seq, -1);
      Atomics.notify(I, CTL.seq);
      void worker.terminate();
    },
  };
}
