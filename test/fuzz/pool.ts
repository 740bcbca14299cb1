// Runs cases [0, count) of a seed on worker threads, in chunks, with a watchdog: a worker
// that reports nothing for `hangMs` is stuck in its next case, which is recorded as a hang;
// the worker is replaced and the run goes on. Returns counts and, per failure class, how
// often it occurred and its shortest example.
import { Worker } from 'node:worker_threads';
import { generateCase } from './generate.ts';
import type { Outcome, RunOptions } from './run-case.ts';

export interface FailureClass {
  class: string;
  count: number;
  /** The shortest case of the class: its index (replay with RNNC_FUZZ_CASE), kind, text and message. */
  example: { index: number; kind: string; text: string; message: string };
}

export interface Summary {
  seed: number;
  cases: number;
  checked: number;
  diagnostics: number;
  trained: number;
  refused: number;
  big: number;
  failures: number;
  hangs: number;
  classes: FailureClass[];
  slowestMs: number;
  seconds: number;
}

export interface PoolOptions extends Omit<RunOptions, 'float32'> {
  seed: number;
  count: number;
  workers: number;
  hangMs: number;
  /** How many cases per worker also run on float32. */
  float32Cases: number;
  chunk?: number;
  onProgress?: (done: number) => void;
}

export function runPool(o: PoolOptions): Promise<Summary> {
  const t0 = performance.now();
  const s: Summary = { seed: o.seed, cases: 0, checked: 0, diagnostics: 0, trained: 0, refused: 0, big: 0, failures: 0, hangs: 0, classes: [], slowestMs: 0, seconds: 0 };
  const byClass = new Map<string, FailureClass>();
  const chunk = o.chunk ?? 250;
  let next = 0;

  const record = (i: number, out: Outcome): void => {
    s.cases++;
    s.slowestMs = Math.max(s.slowestMs, out.ms);
    if (out.kind === 'checked') s.checked++;
    else if (out.kind === 'diagnostics') s.diagnostics++;
    if (out.trained === 'trained') s.trained++;
    else if (out.trained === 'refused') s.refused++;
    else if (out.trained === 'big') s.big++;
    if (out.failure) {
      s.failures++;
      const c = generateCase(o.seed, i);
      const known = byClass.get(out.failure.class);
      const example = { index: i, kind: c.kind, text: c.text, message: out.failure.message };
      if (!known) byClass.set(out.failure.class, { class: out.failure.class, count: 1, example });
      else {
        known.count++;
        if (c.text.length < known.example.text.length) known.example = example;
      }
    }
    if (s.cases % 1000 === 0) o.onProgress?.(s.cases);
  };

  return new Promise((resolve, reject) => {
    type Job = { from: number; to: number };
    const queue: Job[] = []; // the rest of a chunk whose worker hung
    let running = 0;
    const nextJob = (): Job | null => queue.shift() ?? (next < o.count ? { from: next, to: (next = Math.min(next + chunk, o.count)) } : null);
    const finishIfIdle = (): void => {
      if (running > 0 || queue.length > 0 || next < o.count) return;
      s.classes = [...byClass.values()].sort((a, b) => b.count - a.count);
      s.seconds = (performance.now() - t0) / 1000;
      resolve(s);
    };
    const spawn = (): void => {
      let job = nextJob();
      if (!job) return finishIfIdle();
      running++;
      const w = new Worker(new URL('./worker.mjs', import.meta.url), {
        workerData: { seed: o.seed, options: { train: o.train, budgetMs: o.budgetMs }, float32Cases: o.float32Cases }, resourceLimits: { maxOldGenerationSizeMb: 1536 },
        // Each worker its own WebAssembly kernels: the native addon is one per process, not per thread.
        env: { ...process.env, RNNC_KERNELS: 'wasm', RNNC_THREADS: '1' },
      });
      let expected = job.from;
      let ready = false;
      let last = performance.now();
      let retired = false;
      const retire = (): void => {
        if (retired) return;
        retired = true;
        clearInterval(watchdog);
        void w.terminate();
        running--;
      };
      const watchdog = setInterval(() => {
        // Loading the compiler in a new thread takes a while: the bound applies once it is ready.
        if (performance.now() - last < (ready ? o.hangMs : Math.max(o.hangMs, 120_000))) return;
        record(expected, { kind: 'failure', ms: performance.now() - last, failure: { class: ready ? 'hang' : 'worker did not start', message: `no answer in ${o.hangMs} ms` } });
        s.hangs++;
        if (expected + 1 < job!.to) queue.unshift({ from: expected + 1, to: job!.to });
        retire();
        spawn();
      }, Math.min(1000, o.hangMs / 4));
      w.on('message', (m: { ready: true } | { i: number; out: Outcome } | { done: number }) => {
        last = performance.now();
        if ('ready' in m) {
          ready = true;
          w.postMessage(job);
        } else if ('done' in m) {
          job = nextJob();
          if (job) {
            expected = job.from;
            w.postMessage(job);
          } else {
            retire();
            finishIfIdle();
          }
        } else {
          record(m.i, m.out);
          expected = m.i + 1;
        }
      });
      // A crash (e.g. out of memory) is the case's failure too; the run goes on without it.
      w.on('error', (e) => {
        if (retired) return;
        if (!ready) {
          retire();
          return reject(new Error(`a fuzz worker failed to start: ${e.stack ?? e}`));
        }
        record(expected, { kind: 'failure', ms: performance.now() - last, failure: { class: `worker crashed: ${e.name}: ${e.message}`.slice(0, 120), message: String(e.stack ?? e) } });
        if (expected + 1 < job!.to) queue.unshift({ from: expected + 1, to: job!.to });
        retire();
        spawn();
      });
    };
    for (let k = 0; k < o.workers; k++) spawn();
  });
}
