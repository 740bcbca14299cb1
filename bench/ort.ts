// The `ort` workload: inference of the P1 LSTM-256 model by rnnc beside its ONNX export run
// by ONNX Runtime (onnxruntime-node, CPU, 1 and 2 intra-op threads), in the same run: one
// token at batch 1 (P2's step) and the log-probabilities of a 64-step window at batch 32.
// Each measurement is a fresh process (infer-worker.ts); engines take turns run by run.
import { createRequire } from 'node:module';
import path from 'node:path';
import { BENCH, median, run, type Json } from './proc.ts';
import { B, T, TEXT } from './workloads.ts';

export type InferMode = 'step' | 'window';
/** rnnc with its kernels' default threads, rnnc on one thread, ORT with 1 and 2 intra-op threads. */
export const INFER_ENGINES = ['rnnc', 'rnnc 1T', 'ORT 1T', 'ORT 2T'] as const;
export type InferEngine = (typeof INFER_ENGINES)[number];

export interface InferSide {
  runs: Json[];
  errors: string[];
  /** Median over the runs of each run's median time per call (a token, or a window). */
  median_ms: number | null;
}

export interface OrtResult {
  settings: Record<InferMode, { warmup: number; iters: number }>;
  modes: Record<InferMode, Record<InferEngine, InferSide>>;
  /** Set when the ORT side could not run at all (not installed). */
  note: string | null;
}

/** Whether onnxruntime-node resolves from the repository (a devDependency). */
export function ortInstalled(): boolean {
  try {
    createRequire(path.join(BENCH, 'ort.ts')).resolve('onnxruntime-node');
    return true;
  } catch {
    return false;
  }
}

function command(engine: InferEngine, mode: InferMode, s: { warmup: number; iters: number }): { args: string[]; env: NodeJS.ProcessEnv } {
  const args = ['--import', 'tsx', path.join(BENCH, 'infer-worker.ts'), engine.startsWith('rnnc') ? 'rnnc' : 'ort', mode, '--text', TEXT, '--warmup', String(s.warmup), '--iters', String(s.iters)];
  if (engine.startsWith('ORT')) args.push('--threads', engine === 'ORT 1T' ? '1' : '2');
  return { args, env: engine === 'rnnc 1T' ? { ...process.env, RNNC_THREADS: '1' } : process.env };
}

/** Runs every engine on both modes, `runs` times, interleaved; failures are listed in `errors`. */
export async function runOrt(runs: number, quick: boolean, errors: string[], log: (s: string) => void): Promise<OrtResult> {
  const settings = quick ? { step: { warmup: 50, iters: 300 }, window: { warmup: 2, iters: 5 } } : { step: { warmup: 200, iters: 2000 }, window: { warmup: 5, iters: 30 } };
  const side = (): InferSide => ({ runs: [], errors: [], median_ms: null });
  const modes = {
    step: Object.fromEntries(INFER_ENGINES.map((e) => [e, side()])),
    window: Object.fromEntries(INFER_ENGINES.map((e) => [e, side()])),
  } as OrtResult['modes'];
  const note = ortInstalled() ? null : 'onnxruntime-node is not installed (npm ci installs it, a devDependency): rnnc alone';
  const engines = INFER_ENGINES.filter((e) => note === null || e.startsWith('rnnc'));
  const checksums = new Map<string, number>();
  for (let r = 1; r <= runs; r++) {
    for (const mode of ['step', 'window'] as const) {
      for (const e of engines) {
        const what = `ort ${mode} ${e} run ${r}/${runs}`;
        const { args, env } = command(e, mode, settings[mode]);
        const out = await run(process.execPath, args, { env });
        const j = out.lines[out.lines.length - 1];
        if (out.error || !j || typeof j.median_ms !== 'number') {
          const msg = `${what}: ${out.error ?? 'no median_ms'}`;
          modes[mode][e].errors.push(msg);
          errors.push(msg);
          log(`  ${msg}`);
          continue;
        }
        // Both engines read the same tokens from the same weights: their scores must agree.
        const c = checksums.get(mode);
        if (c === undefined) checksums.set(mode, j.checksum as number);
        else if (Math.abs((j.checksum as number) - c) > 1e-3 * Math.max(1, Math.abs(c))) {
          const msg = `${what}: checksum ${j.checksum} differs from ${c} (the engines computed different things)`;
          errors.push(msg);
          log(`  ${msg}`);
          continue;
        }
        modes[mode][e].runs.push(j);
        log(`  ${what}: ${j.median_ms} ms (${j.kernels})`);
      }
    }
  }
  for (const mode of ['step', 'window'] as const) {
    for (const e of INFER_ENGINES) {
      const s = modes[mode][e];
      if (s.runs.length) s.median_ms = median(s.runs.map((j) => j.median_ms as number));
    }
  }
  return { settings, modes, note };
}

/** The table: absolute times, then rnnc's time over ORT's (below 1, rnnc is faster). */
export function printOrt(res: OrtResult, f: (x: number | null | undefined, d?: number) => string, table: (head: string[], rows: string[][]) => void): void {
  const s = res.settings;
  console.log(`Inference: the P1 LSTM-256 model (init seed 0) by rnnc and by ONNX Runtime on its ONNX export (rnnc export --format onnx), same tokens; median ms per call over the runs (each run: median of ${s.step.iters} tokens after ${s.step.warmup}, or of ${s.window.iters} windows after ${s.window.warmup})`);
  if (res.note) console.log(res.note);
  const rows: [string, InferMode][] = [
    ['step, batch 1 (P2: model.step / ORT at T = 1)', 'step'],
    [`score a window, batch ${B} × ${T} steps`, 'window'],
  ];
  const ratio = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? a / b : null);
  table(
    ['workload', ...INFER_ENGINES.map((e) => `${e} ms`), 'rnnc / ORT 1T', 'rnnc / ORT 2T', 'rnnc 1T / ORT 1T'],
    rows.map(([title, mode]) => {
      const m = res.modes[mode];
      return [
        title,
        ...INFER_ENGINES.map((e) => f(m[e].median_ms, mode === 'step' ? 4 : 2)),
        f(ratio(m.rnnc.median_ms, m['ORT 1T'].median_ms), 2),
        f(ratio(m.rnnc.median_ms, m['ORT 2T'].median_ms), 2),
        f(ratio(m['rnnc 1T'].median_ms, m['ORT 1T'].median_ms), 2),
      ];
    }),
  );
  console.log('Ratios are times (rnnc / ORT): below 1, rnnc is faster; the goal is ≤ 1 at batch 1 and ≤ 1.2 at batch 32. rnnc = its kernels\' default threads (the header names them); rnnc 1T = RNNC_THREADS=1.');
  console.log('');
}
