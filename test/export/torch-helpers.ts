// The exported PyTorch module beside rnnc on the same windows: the Python side
// (torch_parity.py, one process for every model) and rnnc's float64 loss and gradients,
// computed as `rnnc grad` computes them (generated code, no dropout, zero initial states).
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileModel } from '../../src/codegen/index.ts';
import { exportTorch } from '../../src/export/torch/index.ts';
import type { LanguageModel } from '../../src/runtime/model.ts';
import { encodeSafetensors, readSafetensors, type Tensor } from '../../src/runtime/safetensors.ts';

export const PYTHON = '/usr/bin/python3';

/** Whether /usr/bin/python3 can import torch. */
export const haveTorch = (): boolean => spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

/** Writes model.py and its weights into `dir`; returns their paths. */
export function writeExport(model: LanguageModel, dir: string): { module: string; weights: string } {
  mkdirSync(dir, { recursive: true });
  const module = join(dir, 'model.py');
  const weights = join(dir, 'model.safetensors');
  writeFileSync(module, exportTorch({ ir: model.ir, sources: model.sources }, { weightsFile: 'model.safetensors' }));
  const w = model.weights();
  writeFileSync(weights, encodeSafetensors(model.layout.params.map((s): [string, Tensor] => [s.name, { dtype: 'F32', shape: s.shape, data: w.get(s.name)! }])));
  return { module, weights };
}

export interface PyResult {
  /** The parameters of a freshly constructed module (its reset_parameters). */
  init: Record<string, number[]>;
  log_probs: number[];
  finals: Record<string, number[]>;
  loss: number;
  grads: Record<string, number[]>;
}

/** Runs the jobs (see torch_parity.py) in one Python process. */
export function runPython(jobs: unknown[]): PyResult[] {
  const r = spawnSync(PYTHON, [join(import.meta.dirname, 'torch_parity.py')], { input: JSON.stringify(jobs), maxBuffer: 1 << 30, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`torch_parity.py failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as PyResult[];
}

/** rnnc's float64 loss and gradients of one window ([B][T + 1] tokens) from zero states, as `rnnc grad`. */
export function rnncGrads(model: LanguageModel, rows: number[][]): { loss: number; grads: Map<string, Float64Array> } {
  const compiled = compileModel(model.ir, { backward: true, dropout: false });
  const P = new Float64Array(compiled.layout.totalParams);
  const G = new Float64Array(compiled.layout.totalParams);
  const w = model.weights();
  for (const slot of compiled.layout.params) P.set(w.get(slot.name)!, slot.offset);
  const runner = compiled.instantiate({ Float: Float64Array, B: rows.length, T: rows[0].length - 1, params: P, grads: G });
  const loss = runner.run(Int32Array.from(rows.flat()), { carry: false });
  return { loss, grads: new Map(compiled.layout.params.map((s) => [s.name, G.slice(s.offset, s.offset + s.size)])) };
}

/** The largest |a − b| / max(1, |a|) over two arrays, and where. */
export function worst(a: ArrayLike<number>, b: ArrayLike<number>, what: string): { worst: number; where: string } {
  if (a.length !== b.length) return { worst: Infinity, where: `${what}: ${a.length} vs ${b.length} values` };
  let w = 0, where = '';
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(a[i]));
    if (!(d <= w)) [w, where] = [Number.isNaN(d) ? Infinity : d, `${what}[${i}]: rnnc ${a[i]}, torch ${b[i]}`];
  }
  return { worst: w, where };
}

/** The largest |a − b| over all parameters of two checkpoint directories. */
export function weightDiff(a: string, b: string): number {
  const x = readSafetensors(join(a, 'model.safetensors')).tensors;
  const y = readSafetensors(join(b, 'model.safetensors')).tensors;
  let largest = 0;
  for (const [name, t] of x) t.data.forEach((v, i) => (largest = Math.max(largest, Math.abs(v - y.get(name)!.data[i]))));
  return largest;
}

const ROOT = join(import.meta.dirname, '../..');

/** `rnnc ARGS` in `cwd` as a child process, never throwing: its exit code and output. */
export function rnncCli(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(ROOT, 'bin/rnnc.js'), ...args], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** DIR/exp/train.py ARGS --log-every 1 in DIR; its stdout, or an error with its stderr. */
export function trainPy(dir: string, args: string[]): string {
  const r = spawnSync(PYTHON, [join(dir, 'exp', 'train.py'), ...args, '--log-every', '1'], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`train.py ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

/** The losses train.py printed, by step (its lines `step N/TOTAL  loss L …`). */
export const pyLosses = (out: string): Map<number, number> => new Map([...out.matchAll(/^step (\d+)\/\d+ {2}loss ([\d.]+)/gm)].map((m) => [Number(m[1]), Number(m[2])]));
