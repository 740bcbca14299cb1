// Embedding rnnc in worker threads that come and go (a server's request workers, vitest's
// pool): Node unloads an addon when the last worker that loaded it exits, which would leave
// the native GEMM's helper pthread blocked on unmapped memory and crash the process at its
// next wake ("The futex facility returned an unexpected error code", seen under StrykerJS).
// The build links the addon NODELETE; this checks it stays loaded and keeps computing.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const addon = path.join(root, 'build/rnnc-kernels.node');
const work = mkdtempSync(path.join(tmpdir(), 'rnnc-worker-unload-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Each worker loads the addon and runs a 128×128×128 product on 2 threads (the helper thread
// takes half), then exits; the main thread does the same after all of them.
const SCRIPT = `
import { Worker } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const file = process.argv[2];
const body = ${JSON.stringify(`
const n = 128, buf = new ArrayBuffer(3 * n * n * 4), f = new Float32Array(buf);
for (let i = 0; i < 2 * n * n; i++) f[i] = ((i * 7919) % 13) - 6;
k.gemm(buf, 0, 0, n, n, n, 1, 0, n, n * n * 4, n, 0, 2 * n * n * 4, n, 2, 0);
let s = 0; for (let i = 2 * n * n; i < 3 * n * n; i++) s += f[i] * ((i % 5) + 1);`)};
const run = new Function('k', body + ' return s;');
for (let i = 0; i < 6; i++) {
  const w = new Worker("const { parentPort, workerData } = require('node:worker_threads'); const k = require(workerData); parentPort.postMessage(new Function('k', " + JSON.stringify(body + ' return s;') + ")(k));", { eval: true, workerData: file });
  // Listen for the exit first: a worker may post and exit within one turn of the event loop.
  const exited = new Promise((ok) => w.once('exit', ok));
  const s = await new Promise((ok, bad) => { w.once('message', ok); w.once('error', bad); });
  await exited;
  console.log('worker ' + s);
}
const mapped = existsMapped();
function existsMapped() { try { return readFileSync('/proc/self/maps', 'utf8').includes(file); } catch { return null; } }
console.log('main ' + run(createRequire(import.meta.url)(file)));
console.log('mapped ' + mapped);
`;

/** The same product and weighted sum in float64 (every product and partial sum is an exact small integer). */
function expected(): number {
  const n = 128;
  const f = new Float64Array(2 * n * n);
  for (let i = 0; i < 2 * n * n; i++) f[i] = ((i * 7919) % 13) - 6;
  let s = 0;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      let acc = 0;
      for (let k = 0; k < n; k++) acc += f[r * n + k] * f[n * n + k * n + c];
      s += acc * (((2 * n * n + r * n + c) % 5) + 1);
    }
  }
  return s;
}

describe('the native kernels in worker threads that exit', () => {
  it.runIf(existsSync(addon))('stay loaded, and every later product is right', async () => {
    const script = path.join(work, 'workers.mjs');
    writeFileSync(script, SCRIPT);
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      execFile(process.execPath, [script, addon], { timeout: 60_000, encoding: 'utf8' }, (err, stdout, stderr) =>
        done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    expect(out.code, out.stderr).toBe(0);
    const want = expected();
    const lines = out.stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('worker ')).map((l) => Number(l.slice(7)))).toEqual(Array(6).fill(want));
    expect(lines).toContain(`main ${want}`);
    // On Linux the maps say whether the library was unloaded under its helper thread.
    if (process.platform === 'linux') expect(lines).toContain('mapped true');
  }, 90_000);
  it.skipIf(existsSync(addon))('skipped: the native kernels are not built (npm ci builds them with a C compiler)', () => {});
});
