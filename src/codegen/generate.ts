// The code generator's result as plain data: IR → the JavaScript of one window (a function
// `create(rt, config)`), the WebAssembly SIMD loops it may call, and the arena layout. Running
// it (kernels, memory, instantiation) is the runtime backend's (src/backend/).
import type { IRModel } from '../ir/types.ts';
import type { SourceFile } from '../util/source.ts';
import { emitModule } from './emit.ts';
import { commentText } from './names.ts';
import { planModel, type Plan } from './plan.ts';
import type { LoopSpec } from './simd-loops.ts';
import { HISTORY_STATE, historyLength } from './history.ts';

export interface CompileOptions {
  /** Emit the backward pass (training); otherwise inference only. Default true. */
  backward?: boolean;
  /** Draw dropout masks (training); default: the same as `backward`. */
  dropout?: boolean;
  /**
   * Inference code: compute the logits, which `logits(t)` reads (default true). Without them
   * it computes the loss alone, and an adaptive softmax reads only its head and each target's
   * cluster, as training does: what evaluation runs.
   */
  logits?: boolean;
  sources?: ReadonlyMap<string, SourceFile>;
  displayPath?: (file: string) => string;
  /** The command the header says regenerates the code (default `rnnc compile FILE --emit js`). */
  regenerate?: string;
}

export interface ParamSlot {
  name: string;
  shape: number[];
  offset: number;
  size: number;
}

export interface StateSlot {
  name: string;
  shape: number[];
  size: number;
  reverse: boolean;
}

export interface Layout {
  params: ParamSlot[];
  totalParams: number;
  states: StateSlot[];
  vocab: number;
}

/** What the code generator returns: source and layout, no live objects. */
export interface GeneratedModel {
  ir: IRModel;
  layout: Layout;
  backward: boolean;
  /** The generated JavaScript: a function `create(rt, config)`. */
  source: string;
  /** The fused element-wise loops the source may run as WebAssembly SIMD (rt.loops). */
  loops: readonly LoopSpec[];
}

export function generate(ir: IRModel, options: CompileOptions = {}): GeneratedModel {
  const backward = options.backward ?? true;
  const plan = planModel(ir, { backward, dropout: options.dropout ?? backward, logits: !backward && options.logits !== false });
  checkSizes(plan);
  const loops: LoopSpec[] = [];
  const source = emitModule(plan, { sources: options.sources, displayPath: options.displayPath, regenerate: options.regenerate, loops });
  const layout: Layout = {
    params: ir.params.map((p) => {
      const e = plan.paramName.get(p.name)!;
      return { name: p.name, shape: e.shape, offset: e.offset, size: e.size };
    }),
    totalParams: plan.totalParams,
    states: plan.g.states.map((s) => ({ name: s.name, shape: s.shape, size: s.shape.reduce((a, b) => a * b, 1), reverse: s.reverse })),
    vocab: plan.g.nodes[plan.g.nodes[plan.stepLoss].inputs[0]].shape[0],
  };
  // The carried token history of offset lookups is the last state (see history.ts).
  const H = historyLength(plan.g.nodes);
  if (H) layout.states.push({ name: HISTORY_STATE, shape: [H], size: H, reverse: false });
  return { ir, layout, backward, source, loops };
}

/** The most entries one array of generated code holds (the arena, or one example's value): 2^31 − 1. */
export const MAX_ENTRIES = 2 ** 31 - 1;

/** Sizes the generated code can index, or a one-line RangeError (a user error) naming the first that is not. */
function checkSizes(plan: Plan): void {
  const fail = (what: string, shape: readonly number[], n: number): never => {
    throw new RangeError(`model ${plan.ir.name}: ${what} [${shape.join(', ')}] has ${n.toPrecision(3)} entries, more than the ${MAX_ENTRIES} an array can hold; use smaller dims`);
  };
  // `!(x <= MAX)`: a size beyond 2^53 is no longer an exact integer, but still larger.
  for (const [name, p] of plan.paramName) if (!(p.size <= MAX_ENTRIES)) fail(`param ${name}`, p.shape, p.size);
  if (!(plan.totalParams <= MAX_ENTRIES)) throw new RangeError(`model ${plan.ir.name} has ${plan.totalParams.toPrecision(3)} parameters, more than the ${MAX_ENTRIES} an arena can hold; use smaller dims`);
  for (const n of plan.g.nodes) {
    if (!plan.needed[n.id]) continue;
    const size = n.shape.reduce((a, b) => a * b, 1);
    if (!(size <= MAX_ENTRIES)) fail(`the value ${n.label || n.op}`, n.shape, size);
  }
}

/** The generated code as an ES module (`rnnc compile --emit js`). */
export function asModule(c: Pick<GeneratedModel, 'source' | 'layout'>): string {
  const table = c.layout.params.map((p) => `//   ${p.offset.toString().padStart(9)}  ${String(p.size).padStart(9)}  [${p.shape.join(', ')}]  ${commentText(p.name, 60)}`);
  return [
    c.source.trimEnd(),
    '',
    `// The parameter arena (${c.layout.totalParams} values; the gradient arena has the same layout):`,
    '//      offset       size  shape  name',
    ...table,
    '// Usage: create({ alloc: (n) => new Float32Array(n) (or Float64Array), k: the kernels rnnc exports as `support` },',
    '//               { B, T, params, grads }) → { run(tokens, opts), initial, finals, resetStates, logits }.',
    'export default create;',
    '',
  ].join('\n');
}
