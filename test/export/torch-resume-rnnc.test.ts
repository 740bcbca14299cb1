// train.py --resume continues a run of `rnnc train`: rnnc trains N steps and writes its
// checkpoint, the PyTorch export of that checkpoint continues it to 2N steps, and the losses
// of steps N+1…2N and the final weights must be those of `rnnc train` running 2N steps in one
// go (the oracle) — which needs rnnc's optimizer buffers and step count (Adam's bias
// correction), its data position, carried states and learning-rate schedule, here across an
// epoch boundary (states reset, the rate decayed). Both sides train in float32. Needs
// /usr/bin/python3 with torch; skipped with one line otherwise.
import { execFile, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveTorch, pyLosses, PYTHON, weightDiff } from './torch-helpers.ts';

const root = join(import.meta.dirname, '../..');
const corpus = readFileSync(join(root, 'data/tinyshakespeare/input.txt'), 'utf8');
const N = 6;

function rnnc(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(root, 'bin/rnnc.js'), ...args], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** The losses of `rnnc train --json --log-every 1`, by step. */
const rnncLosses = (out: string): Map<number, number> =>
  new Map(
    out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { step?: number; loss?: number; event?: string })
      .filter((e) => e.event === undefined && e.loss !== undefined)
      .map((e) => [e.step!, e.loss!]),
  );
/** The losses train.py printed, by step. */

const CASES = [
  // Adam on 2 DDP ranks (each its half of the carried states), mid-epoch.
  { name: 'adam', text: corpus.slice(0, 12000), args: ['--optimizer', 'adam', '--lr', '0.01', '--clip', '0.5'], ranks: 2 },
  // SGD with rnnc's decay schedule on a short text: 10 windows per epoch, so steps N+1…2N cross into epoch 2 (states reset, lr halved).
  { name: 'sgd', text: corpus.slice(0, 700), args: ['--optimizer', 'sgd', '--lr', '1', '--clip', '0.5', '--lr-schedule', 'decay', '--lr-decay', '0.5', '--decay-after', '1'], ranks: 1 },
] as const;

describe.skipIf(!haveTorch())('rnnc train → train.py --resume', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rnnc-torch-resume-rnnc-'));
  const out: Record<string, string> = {};
  const common = (c: (typeof CASES)[number]) => ['--data', `${c.name}.txt`, '--valid', 'valid.txt', '--batch', '4', '--bptt', '16', '--dims', 'embed=16,hidden=32', ...c.args];
  beforeAll(async () => {
    writeFileSync(join(dir, 'valid.txt'), corpus.slice(12000, 14000));
    await Promise.all(
      CASES.map(async (c) => {
        writeFileSync(join(dir, `${c.name}.txt`), c.text);
        for (const steps of [N, 2 * N]) {
          const r = await rnnc(dir, 'train', join(root, 'models/char-lstm.rnn'), ...common(c), '--steps', String(steps), '--json', '--log-every', '1', '--sample', '0', '--out', `${c.name}-${steps}`);
          if (r.code !== 0) throw new Error(`rnnc train ${c.name} failed:\n${r.stderr}`);
          out[`${c.name}-${steps}`] = r.stdout;
        }
        const e = await rnnc(dir, 'export', `${c.name}-${N}`, '--format', 'torch', '-o', `${c.name}-torch`);
        if (e.code !== 0) throw new Error(`rnnc export failed:\n${e.stderr}`);
      }),
    );
  }, 300_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(CASES)('$name: steps N+1…2N in train.py are those of rnnc train in one go (losses and weights)', (c) => {
    const r = spawnSync(PYTHON, [join(dir, `${c.name}-torch`, 'train.py'), '--resume', `${c.name}-${N}`, '--steps', String(2 * N), '--log-every', '1', '--nproc', String(c.ranks), '--out', `${c.name}-continued`], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`resuming the run of rnnc train in ${c.name}-${N} at step ${N}`);
    expect(r.stdout).not.toContain('continues it in float32');
    const theirs = pyLosses(r.stdout);
    const ours = rnncLosses(out[`${c.name}-${2 * N}`]);
    expect([...theirs.keys()]).toEqual(Array.from({ length: N }, (_, i) => N + 1 + i));
    let worst = 0;
    for (const [step, loss] of theirs) worst = Math.max(worst, Math.abs(loss - ours.get(step)!) / ours.get(step)!);
    const w = weightDiff(join(dir, `${c.name}-continued`), join(dir, `${c.name}-${2 * N}`));
    console.log(
      `${c.name}: steps ${N + 1}-${2 * N}: train.py --resume ${[...theirs.values()].map((v) => v.toFixed(6)).join(' ')}\n` +
        `       rnnc train in one go ${[...theirs.keys()].map((s) => ours.get(s)!.toFixed(6)).join(' ')}\n` +
        `(worst relative difference ${worst}; max |w(train.py) - w(rnnc)| after step ${2 * N}: ${w})`,
    );
    // float32 on both sides, train.py printing 6 decimals (≤ 1.7e-7 relative at these losses);
    // a fresh optimizer, a restarted step count, zero states or a missed decay are off by far more.
    expect(worst).toBeLessThanOrEqual(1e-6);
    expect(w).toBeLessThanOrEqual(1e-5);
  }, 120_000);

  it('says so when the run multiplied in bfloat16, which train.py does not', () => {
    cpSync(join(dir, `sgd-${N}`), join(dir, 'sgd-bf16'), { recursive: true });
    const file = join(dir, 'sgd-bf16', 'config.json');
    const config = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...config, train: { ...config.train, matmul: 'bf16' } }));
    const r = spawnSync(PYTHON, [join(dir, 'sgd-torch', 'train.py'), '--resume', 'sgd-bf16', '--steps', String(N + 1), '--out', 'sgd-bf16-continued'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('the run multiplied in bf16 (rnnc train --matmul bf16); train.py continues it in float32');
  });

  it.each([
    ['shiftWindows', true, 'sgd-shift: the run shifts its windows each epoch (rnnc train --shift-windows), which train.py does not; continue it with rnnc train --resume'],
    ['averageWindow', 0.5, 'sgd-shift: the run averages over a moving window (rnnc train --average-window), which train.py does not; continue it with rnnc train --resume'],
  ] as const)('refuses a run with %s (shifted windows, a moving average), which train.py does not compute', (key, value, message) => {
    rmSync(join(dir, 'sgd-shift'), { recursive: true, force: true });
    cpSync(join(dir, `sgd-${N}`), join(dir, 'sgd-shift'), { recursive: true });
    const file = join(dir, 'sgd-shift', 'config.json');
    const config = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...config, train: { ...config.train, [key]: value } }));
    const r = spawnSync(PYTHON, [join(dir, 'sgd-torch', 'train.py'), '--resume', 'sgd-shift', '--steps', String(N + 1), '--out', 'sgd-shift-continued'], { cwd: dir, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(message);
  });

  it('refuses options that differ from the run, naming each, as rnnc train --resume does', () => {
    const r = spawnSync(PYTHON, [join(dir, 'adam-torch', 'train.py'), '--resume', `adam-${N}`, '--steps', String(2 * N), '--batch', '8', '--lr', '0.01', '--optimizer', 'sgd', '--out', 'refused'], { cwd: dir, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`train.py: --resume continues the run rnnc train recorded in adam-${N}; these options differ from it: --batch 8 (the run has 4), --optimizer sgd (the run has adam)`);
  });
});

describe.runIf(!haveTorch())('rnnc train → train.py --resume', () => {
  it('needs PyTorch', () => console.log('skipped: no PyTorch (apt-get install python3-torch)'));
});
