// One fuzz case: the front end must end in diagnostics or a model, never throw, with sound
// diagnostics; a model that checks must compile and run one training window (forward, loss,
// backward) or be refused with a user error. Anything else is a failure, named by a class
// (its stage and its message with the numbers and names taken out) so that runs can count
// distinct bugs rather than cases.
import { analyze, renderDiagnostics } from '../../src/frontend.ts';
import { compileModel } from '../../src/codegen/index.ts';
import { isUserError } from '../../src/cli/common.ts';
import { formatIR, irToJSON } from '../../src/ir/print.ts';
import { reader } from './corpus.ts';
import type { FuzzCase } from './generate.ts';

export interface Outcome {
  /** checked: no errors; diagnostics: errors, reported; failure: anything else. */
  kind: 'checked' | 'diagnostics' | 'failure';
  ms: number;
  /** compiled and ran a training window; refused: compile or run refused it with a user error; big: too large to run. */
  trained?: 'trained' | 'refused' | 'big';
  failure?: { class: string; message: string };
}

export interface RunOptions {
  /** Compile and run a training window when the case checks. */
  train: boolean;
  /** Also run it on float32 (the kernels' memory, SIMD loops): bounded, since that memory is never freed. */
  float32: boolean;
  /** A case slower than this is a failure ("slow"). */
  budgetMs: number;
}

/** A message without its particulars: numbers, quoted text and paths become placeholders. */
export function messageClass(message: string): string {
  return message
    .split('\n')[0]
    .replace(/'[^']*'|"[^"]*"|`[^`]*`/g, "'…'")
    .replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/g, 'N')
    .slice(0, 120);
}

const errorText = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));
const TRAIN_MAX_PARAMS = 2_000_000;

export function runCase(c: FuzzCase, o: RunOptions): Outcome {
  const t0 = performance.now();
  const fail = (stage: string, message: string): Outcome => ({ kind: 'failure', ms: performance.now() - t0, failure: { class: `${stage}: ${messageClass(message)}`, message: message.slice(0, 500) } });
  let a;
  try {
    a = analyze(c.root, { readFile: reader(c.root, c.text), dims: c.dims });
  } catch (e) {
    return fail('analyze threw', errorText(e));
  }
  const problem = soundness(a);
  if (problem) return fail('unsound analysis', problem);
  const ms = performance.now() - t0;
  // The bound grows with the input (5 µs a character): the front end's cost must be linear in it.
  const budget = o.budgetMs + c.text.length * 0.005;
  if (ms > budget) return fail('slow', `analyze took ${ms.toFixed(0)} ms (budget ${budget.toFixed(0)} ms) on ${c.text.length} chars`);
  if (!a.ok && c.mustCheck) {
    const d = a.diagnostics.find((x) => x.severity === 'error')!;
    return { kind: 'failure', ms, failure: { class: `valid model refused: ${d.code}`, message: `${d.code}: ${d.message}` } };
  }
  if (!a.ok) return { kind: 'diagnostics', ms };
  if (!o.train || a.models.length === 0) return { kind: 'checked', ms };

  // Every dim bound (small: vocab 5, the rest 3) for concrete code.
  let m = a.models[0];
  const open = Object.entries(m.dims).filter(([, v]) => v === null).map(([k]) => k);
  if (open.length) {
    const dims = new Map<string, number>([...new Map(c.dims instanceof Map ? c.dims : Object.entries(c.dims ?? {}))]);
    for (const k of open) dims.set(k, k === 'vocab' ? 5 : 3);
    let b;
    try {
      b = analyze(c.root, { readFile: reader(c.root, c.text), dims });
    } catch (e) {
      return fail('analyze threw (dims bound)', errorText(e));
    }
    const again = b.models.find((x) => x.name === m.name);
    if (!b.ok || !again) return { kind: 'checked', ms, trained: 'refused' };
    m = again;
  }
  let trained: Outcome['trained'] = 'trained';
  for (const Float of o.float32 ? [Float64Array, Float32Array] : [Float64Array]) {
    const stage = Float === Float32Array ? 'float32 ' : '';
    let compiled;
    try {
      compiled = compileModel(m);
    } catch (e) {
      if (isUserError(e)) return { kind: 'checked', ms, trained: 'refused' };
      return fail(`${stage}compile`, errorText(e));
    }
    if (compiled.layout.totalParams > TRAIN_MAX_PARAMS) return { kind: 'checked', ms, trained: 'big' };
    try {
      const { params, grads } = Float === Float32Array ? compiled.createArenas(Float) : { params: new Float64Array(compiled.layout.totalParams), grads: new Float64Array(compiled.layout.totalParams) };
      for (let i = 0; i < params.length; i++) params[i] = Math.sin(i + 1) * 0.3;
      const runner = compiled.instantiate({ Float, B: 2, T: 3, params, grads });
      const V = compiled.layout.vocab;
      const tokens = Int32Array.from({ length: 8 }, (_, i) => (i * 7 + 3) % V);
      runner.run(tokens, { seed: 1 });
    } catch (e) {
      if (isUserError(e)) {
        trained = 'refused';
        continue;
      }
      return fail(`${stage}train`, errorText(e));
    }
  }
  return { kind: 'checked', ms: performance.now() - t0, trained };
}

/** What is wrong with an analysis (ok agrees with the errors; every diagnostic renders and points into a file read), or null. */
function soundness(a: ReturnType<typeof analyze>): string | null {
  const hasError = a.diagnostics.some((d) => d.severity === 'error');
  if (a.ok === hasError) return `ok is ${a.ok} with ${hasError ? 'errors' : 'no errors'}`;
  if (!a.ok && a.models.length) return 'models elaborated despite errors';
  let rendered: string[];
  try {
    rendered = renderDiagnostics(a);
  } catch (e) {
    return `renderDiagnostics threw ${errorText(e)}`;
  }
  if (rendered.length !== a.diagnostics.length) return 'a diagnostic did not render';
  for (const d of a.diagnostics) {
    if (typeof d.code !== 'string' || !d.message) return `diagnostic without code or message: ${JSON.stringify(d)}`;
    if (d.span) {
      const src = a.sources.get(d.span.file);
      if (!src) return `diagnostic ${d.code} points at a file that was not read: ${d.span.file}`;
      if (!(0 <= d.span.start && d.span.start <= d.span.end && d.span.end <= src.text.length)) return `span ${d.span.start}..${d.span.end} of ${d.code} outside its file (${src.text.length} chars)`;
    }
  }
  try {
    for (const m of a.models) if (!formatIR(m) || !JSON.parse(irToJSON(m))) return 'IR does not print';
  } catch (e) {
    return `IR printing threw ${errorText(e)}`;
  }
  return null;
}
