// Runs the cases it is sent, one message per case, so that the pool knows which case a
// worker that stops answering is stuck in.
import { parentPort, workerData } from 'node:worker_threads';
import { generateCase } from './generate.ts';
import { runCase, type RunOptions } from './run-case.ts';

const { seed, options, float32Cases } = workerData as { seed: number; options: RunOptions; float32Cases: number };
let float32Left = float32Cases;

parentPort!.on('message', (job: { from: number; to: number }) => {
  for (let i = job.from; i < job.to; i++) {
    const c = generateCase(seed, i);
    const out = runCase(c, { ...options, float32: options.train && float32Left > 0 });
    if (out.trained === 'trained' && float32Left > 0) float32Left--;
    parentPort!.postMessage({ i, out });
  }
  parentPort!.postMessage({ done: job.to });
});
parentPort!.postMessage({ ready: true });
