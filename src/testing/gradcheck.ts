// Gradient checking as a property test: for random dims, weights, tokens, batch sizes and
// window lengths, every entry of every parameter's gradient, as the generated code computes
// it, must match float64 central differences of the reference interpreter's loss. fast-check
// shrinks a failure to the smallest dims and window that show it. Dims that the model's
// shapes tie together are computed, not drawn; a stencil that crosses a relu's kink is
// measured again with a smaller step, or its case redrawn.
import fc from 'fast-check';
import { analyze, renderDiagnostics, type Analysis } from '../frontend.ts';
import { readFromDisk, type ReadFile } from '../syntax/load.ts';
import type { CellDecl } from '../syntax/ast.ts';
import { wrapCell, type Target } from '../wrap-cell.ts';
import { unroll } from '../graph/unroll.ts';
import { mulberry32 } from '../graph/interpret.ts';
import { differentiate } from '../autodiff/grad.ts';
import { compileModel } from '../codegen/index.ts';
import type { IRModel } from '../ir/types.ts';
import { bindDims, describeDerived, dimEquations, solveDims } from './dim-constraints.ts';
import { kinkProbe } from './kinks.ts';
import { adaptiveClusters, withSpreadCutoffs } from './adaptive-cutoffs.ts';

export { equalDimClasses } from '../wrap-cell.ts';

export interface GradcheckOptions {
  runs?: number;
  seed?: number;
  /** Largest size drawn for each dim (sizes are drawn from 1..maxDim). */
  maxDim?: number;
  maxBatch?: number;
  maxWindow?: number;
  tolerance?: number;
  readFile?: ReadFile;
}

export interface Counterexample {
  model: string;
  dims: Record<string, number>;
  batch: number;
  window: number;
  seed: number;
  param: string;
  index: number;
  analytic: number;
  numeric: number;
  error: number;
}

export interface GradcheckResult {
  model: string;
  runs: number;
  /** Max relative error seen per parameter over all runs. */
  maxError: Map<string, number>;
  counterexample: Counterexample | null;
  /** fast-check's seed, to replay the same draws with --seed. */
  seed: number;
  /** Set when a draw could not be run at all (its message). */
  error?: string;
  /** Dims computed from the drawn ones because the model's shapes fix them (`both = 2*hidden`). */
  derived: string[];
  /** What the check changed of the model to run it at small dims (an adaptive softmax's cutoffs). */
  adapted: string[];
  /** Stencils that crossed a kink of relu-like ops: entries measured again with a smaller step, and cases redrawn. */
  kinks: { shrunk: number; redrawn: number; ops: string[] };
}

export interface GradcheckReport {
  ok: boolean;
  /** Set when the file itself does not check. */
  diagnostics: string[];
  results: GradcheckResult[];
}

/** |a − n| / max(|a|, |n|, 1e-4): relative, with a floor so tiny gradients are not noise. */
export function relativeError(analytic: number, numeric: number): number {
  if (Number.isNaN(analytic) || Number.isNaN(numeric)) return Infinity;
  return Math.abs(analytic - numeric) / Math.max(Math.abs(analytic), Math.abs(numeric), 1e-4);
}

function randomWindow(ir: IRModel, vocab: number, batch: number, window: number, seed: number) {
  const rnd = mulberry32(seed);
  const params = new Map(ir.params.map((p) => [p.name, Float64Array.from({ length: p.size as number }, () => rnd() * 2 - 1)]));
  const tokens = Array.from({ length: batch }, () => Array.from({ length: window + 1 }, () => Math.floor(rnd() * vocab)));
  return { params, tokens, maskSeed: seed };
}

/** The gradients the generated code computes (float64): what training actually uses. */
function generatedGrads(ir: IRModel, w: ReturnType<typeof randomWindow>, B: number, T: number): Map<string, Float64Array> {
  const compiled = compileModel(ir);
  const P = new Float64Array(compiled.layout.totalParams);
  for (const slot of compiled.layout.params) P.set(w.params.get(slot.name)!, slot.offset);
  const G = new Float64Array(P.length);
  compiled.instantiate({ Float: Float64Array, B, T, params: P, grads: G }).run(Int32Array.from(w.tokens.flat()), { seed: w.maskSeed });
  return new Map(compiled.layout.params.map((slot) => [slot.name, G.slice(slot.offset, slot.offset + slot.size)]));
}

type Worst = Omit<Counterexample, 'model' | 'dims' | 'batch' | 'window' | 'seed'>;

/** What the stencils met at relu-like kinks in one draw. */
export interface KinkCount {
  /** Entries whose stencil crossed a kink at h = 1e-3 and were measured again with a smaller step. */
  shrunk: number;
  /** The kinked ops crossed. */
  ops: string[];
}

export interface Comparison {
  perParam: Map<string, number>;
  worst: Worst | null;
  kinks: KinkCount;
  /** Set when an entry's stencil still crossed a kink at the smallest step: the draw says nothing, redraw it. */
  nearKink?: { param: string; index: number; ops: string[] };
}

/** Steps tried in turn for an entry whose stencil crosses a kink: five-point, truncation O(h⁴), rounding O(ε/h). */
const STEPS = [1e-3, 1e-4, 1e-5];

/** Compares every gradient entry for one draw; returns the worst entry and per-param errors. */
export function compareOnce(ir: IRModel, batch: number, window: number, seed: number): Comparison {
  const vocab = ir.dims.vocab ?? 1;
  const g = differentiate(unroll(ir, window));
  const probe = kinkProbe(g);
  const w = randomWindow(ir, vocab, batch, window, seed);
  const grads = generatedGrads(ir, w, batch, window);
  const center = probe.ops.length ? probe.at(w) : null;
  const perParam = new Map<string, number>();
  const kinks: KinkCount = { shrunk: 0, ops: [] };
  let worst: Worst | null = null;
  for (const p of ir.params) {
    const values = w.params.get(p.name)!;
    const grad = grads.get(p.name) ?? new Float64Array(values.length);
    let maxErr = 0;
    for (let i = 0; i < values.length; i++) {
      const x = values[i];
      let numeric = NaN;
      for (const [k, h] of STEPS.entries()) {
        const crossed = new Set<string>();
        const at = (d: number): number => {
          values[i] = x + d;
          const r = probe.at(w);
          values[i] = x;
          if (center) for (const op of probe.crossed(center, r)) crossed.add(op);
          return r.loss;
        };
        numeric = (at(-2 * h) - 8 * at(-h) + 8 * at(h) - at(2 * h)) / (12 * h);
        if (crossed.size === 0) break;
        for (const op of crossed) if (!kinks.ops.includes(op)) kinks.ops.push(op);
        if (k === 0) kinks.shrunk++;
        if (k === STEPS.length - 1) return { perParam, worst, kinks, nearKink: { param: p.name, index: i, ops: [...crossed] } };
      }
      const err = relativeError(grad[i], numeric);
      if (err > maxErr) maxErr = err;
      if (!worst || err > worst.error) worst = { param: p.name, index: i, analytic: grad[i], numeric, error: err };
    }
    perParam.set(p.name, maxErr);
  }
  return { perParam, worst, kinks };
}

/** Redraws of one case (new weights and tokens) before giving up on finding one away from every kink. */
const MAX_REDRAWS = 20;

function checkTarget(t: Target, o: Required<Omit<GradcheckOptions, 'readFile'>>): GradcheckResult {
  const maxError = new Map<string, number>();
  const kinks = { shrunk: 0, redrawn: 0, ops: [] as string[] };
  let failure: Counterexample | null = null;
  // Only the dims no shape equation fixes are drawn; the others are computed from them.
  const solution = solveDims(t.dims, dimEquations(t));
  const arb = fc.record({
    dims: fc.tuple(...solution.free.map(() => fc.integer({ min: 1, max: o.maxDim }))),
    batch: fc.integer({ min: 1, max: o.maxBatch }),
    window: fc.integer({ min: 1, max: o.maxWindow }),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  });
  // The adaptive softmax's cluster count, once a draw has analysed the model (its cutoffs are then spread).
  let spreadK = 0;
  const property = fc.property(arb, ({ dims, batch, window, seed }) => {
    const bound = bindDims(solution, new Map(solution.free.map((d, i) => [d, dims[i]])));
    // A derived size below 1 (`n - 1` at n = 1): not a model the file describes.
    fc.pre(bound !== null);
    let a: Analysis = analyze(t.path, { dims: bound, readFile: t.readFile });
    let found = a.models.find((m) => m.name === t.name);
    // An adaptive softmax's K cutoffs are spread over the drawn vocabulary, which needs K + 1 words at least.
    const K = found ? adaptiveClusters(found) : 0;
    spreadK = K;
    if (K && bound && bound.vocab !== undefined) {
      bound.vocab += 2 * K;
      a = analyze(t.path, { dims: bound, readFile: t.readFile });
      found = a.models.find((m) => m.name === t.name);
    }
    if (!found) throw new Error(`model ${t.name} does not check with dims ${JSON.stringify(bound)}:\n${renderDiagnostics(a).join('\n')}`);
    const ir = withSpreadCutoffs(found);
    const tally = (x: Comparison): Comparison => {
      kinks.shrunk += x.kinks.shrunk;
      for (const op of x.kinks.ops) if (!kinks.ops.includes(op)) kinks.ops.push(op);
      return x;
    };
    let c = tally(compareOnce(ir, batch, window, seed));
    let drawSeed = seed;
    for (let r = 0; c.nearKink; r++) {
      if (r === MAX_REDRAWS) throw new Error(`${MAX_REDRAWS + 1} draws in a row sit on a kink of ${c.nearKink.ops.join(', ')} (d loss / d ${c.nearKink.param}[${c.nearKink.index}] crosses it even at h = ${STEPS[STEPS.length - 1]})`);
      kinks.redrawn++;
      drawSeed = (Math.imul(drawSeed + 1, 0x9e3779b1) >>> 1) & 0x7fffffff;
      c = tally(compareOnce(ir, batch, window, drawSeed));
    }
    if (c.worst && c.worst.error > o.tolerance) {
      // Shrinking calls this again with smaller draws; the last failure kept is the smallest.
      failure = { model: t.name, dims: bound, batch, window, seed: drawSeed, ...c.worst };
      return false;
    }
    for (const [k, v] of c.perParam) maxError.set(k, Math.max(maxError.get(k) ?? 0, v));
    return true;
  });
  const details = fc.check(property, { numRuns: o.runs, seed: o.seed });
  // A draw that throws (e.g. dims under which the model does not check) fails the check too.
  const error = details.failed && !failure ? String(details.errorInstance instanceof Error ? details.errorInstance.message : details.errorInstance) : undefined;
  return { model: t.name, runs: details.numRuns, maxError, counterexample: details.failed ? failure : null, seed: o.seed, error, derived: describeDerived(solution), adapted: spreadK ? [`vocab drawn + ${2 * spreadK}, the adaptive softmax's ${spreadK} cutoffs spread evenly over it (the file's are ranks in a vocabulary of thousands)`] : [], kinks };
}

/** Gradient-checks every model of a file, or, for a file of cells, each cell wrapped in a minimal LM. */
export function checkGradients(path: string, options: GradcheckOptions = {}): GradcheckReport {
  const o = {
    runs: options.runs ?? 10,
    seed: options.seed ?? Math.floor(Math.random() * 2 ** 31),
    maxDim: options.maxDim ?? 4,
    maxBatch: options.maxBatch ?? 3,
    maxWindow: options.maxWindow ?? 5,
    tolerance: options.tolerance ?? 1e-6,
  };
  const readFile = options.readFile ?? readFromDisk;
  const a = analyze(path, { readFile });
  if (!a.ok) return { ok: false, diagnostics: renderDiagnostics(a), results: [] };
  const targets: Target[] = a.context.units
    .filter((u) => u.file === a.root && u.kind === 'model')
    .map((u) => ({ name: u.name, path, readFile, dims: [...u.dims.keys()] }));
  const problems: string[] = [];
  if (targets.length === 0) {
    for (const u of a.context.units.filter((x) => x.file === a.root && x.kind === 'cell')) {
      const t = wrapCell(u.decl as CellDecl, a.root, readFile);
      if (typeof t === 'string') problems.push(t);
      else targets.push(t);
    }
  }
  const results = targets.map((t) => checkTarget(t, o));
  return { ok: problems.length === 0 && results.every((r) => !r.counterexample && !r.error), diagnostics: problems, results };
}

/** For users' own tests: throws with the shrunk counterexample when a gradient is wrong. */
export function assertGradients(path: string, options: GradcheckOptions = {}): GradcheckReport {
  const report = checkGradients(path, options);
  if (!report.ok) {
    const lines = [...report.diagnostics];
    for (const r of report.results) {
      if (r.counterexample) lines.push(`${r.model}: gradient mismatch (seed ${r.seed}): ${JSON.stringify(r.counterexample)}`);
      if (r.error) lines.push(`${r.model}: ${r.error}`);
    }
    throw new Error(lines.join('\n'));
  }
  return report;
}
