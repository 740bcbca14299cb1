// The code generator's entry: IR → generated JavaScript for one window, and an instance of
// it over a parameter arena (and a gradient arena), ready to run windows of tokens.
import type { IRModel } from '../ir/types.ts';
import type { SourceFile } from '../util/source.ts';
import { CodegenError, emitModule } from './emit.ts';
import { commentText } from './names.ts';
import { planModel, type Plan } from './plan.ts';
import { support, withGemm, type FloatArray, type FloatCtor, type Support } from './support.ts';
import { createKernels, outOfMemoryMessage, wasmSimdSupported, type WasmKernels } from '../kernels/index.ts';
import { buildLoopModule, type LoopSpec } from './simd-loops.ts';

export { CodegenError } from './emit.ts';
export type { FloatArray, FloatCtor } from './support.ts';

/**
 * Float32 buffers live in one WebAssembly memory shared by every compiled model of the
 * process, so the SIMD GEMM works on them in place. Reserved once (address space only: pages
 * are touched as they are used); RNNC_MEMORY_MB sets its size. The GEMM is the native addon
 * when it is built (npm install builds it), else WebAssembly SIMD; RNNC_KERNELS=wasm or
 * RNNC_KERNELS=js (plain JavaScript) force the others, RNNC_KERNELS=native insists on it.
 */
let fast: { kernels: WasmKernels; support: Support } | null | undefined;
function fastPath(): { kernels: WasmKernels; support: Support } | null {
  if (fast === undefined) {
    const { backend, mb, threads, minMflops } = kernelSettings(process.env);
    if (backend === 'js' || !wasmSimdSupported()) fast = null;
    else {
      let kernels: WasmKernels;
      try {
        kernels = createKernels({ maxBytes: mb * 1024 * 1024, threads, backend, minParallelFlops: minMflops === undefined ? undefined : minMflops * 1e6 });
      } catch (e) {
        // e.g. RNNC_KERNELS=native without a build: a setting the user can change, not a crash.
        throw new RangeError(`${e instanceof Error ? e.message : String(e)} (RNNC_KERNELS=${process.env.RNNC_KERNELS ?? ''}, RNNC_MEMORY_MB=${mb})`);
      }
      fast = { kernels, support: withGemm(kernels) };
    }
  }
  return fast;
}

/**
 * The kernels' environment settings, checked: RNNC_KERNELS (native, wasm, js; unset: the best
 * available), RNNC_MEMORY_MB (default 2048), RNNC_THREADS (1 keeps gemm on the calling thread,
 * 2), RNNC_MIN_PARALLEL_MFLOPS (the smallest product worth handing half of to the helper).
 */
export function kernelSettings(env: Record<string, string | undefined>) {
  const bad = (name: string, want: string) => new RangeError(`${name}=${env[name]}: expected ${want}`);
  const k = env.RNNC_KERNELS;
  if (k !== undefined && k !== '' && k !== 'native' && k !== 'wasm' && k !== 'js') throw bad('RNNC_KERNELS', 'native, wasm or js');
  const backend = k === 'native' || k === 'wasm' || k === 'js' ? k : 'auto';
  const mb = Number(env.RNNC_MEMORY_MB ?? 2048);
  if (!(Number.isInteger(mb) && mb >= 16 && mb <= 65536)) throw bad('RNNC_MEMORY_MB', 'an integer number of MiB from 16 to 65536');
  const threads = env.RNNC_THREADS ? Number(env.RNNC_THREADS) : undefined;
  if (threads !== undefined && threads !== 1 && threads !== 2) throw bad('RNNC_THREADS', '1 or 2');
  const minMflops = env.RNNC_MIN_PARALLEL_MFLOPS ? Number(env.RNNC_MIN_PARALLEL_MFLOPS) : undefined;
  if (minMflops !== undefined && !(minMflops >= 0)) throw bad('RNNC_MIN_PARALLEL_MFLOPS', 'a number ≥ 0');
  return { backend, mb, threads, minMflops } as const;
}

/** Which kernels run float32 products in this process (e.g. `native-2threads`, `wasm-simd128-fma-2threads`, `js`). */
export function float32Kernels(): string {
  return fastPath()?.kernels.backend ?? 'js';
}

/** Allocation and kernels for a dtype: float32 on the fast path when it is available. */
function backendFor(Float: FloatCtor): { alloc: (n: number) => FloatArray; k: Support } {
  const f = Float === Float32Array ? fastPath() : null;
  if (!f) return { alloc: (n) => new Float(n), k: support };
  return {
    alloc: (n) => {
      if (f.kernels.available() < n * 4 + 64) throw new RangeError(outOfMemoryMessage({ requested: n * 4 + 64, free: f.kernels.available(), reserved: kernelSettings(process.env).mb * 2 ** 20 }));
      return f.kernels.alloc(Math.max(n, 1)).view.subarray(0, n).fill(0);
    },
    k: f.support,
  };
}

export interface CompileOptions {
  /** Emit the backward pass (training); otherwise inference only. Default true. */
  backward?: boolean;
  /** Draw dropout masks (training); default: the same as `backward`. */
  dropout?: boolean;
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

export interface RunOptions {
  /** Compute gradients into the gradient arena (default: when the instance has one). */
  backward?: boolean;
  /** Compute the loss (default true; off when the next tokens are unknown, as in sampling). */
  loss?: boolean;
  /** Seed of this window's dropout masks. */
  seed?: number;
  /** Zero the gradient arena first (default true; false accumulates). */
  zeroGrads?: boolean;
  /** Start the next window from this one's final states (default true). */
  carry?: boolean;
}

/** One compiled window over fixed B and T. */
export interface WindowRunner {
  /** Runs a window of tokens [B, T + 1] (row-major); returns the mean cross-entropy. */
  run(tokens: Int32Array, opts?: RunOptions): number;
  /** The states each window starts from, in layout order (writable). */
  readonly initial: FloatArray[];
  finals(t?: number): FloatArray[];
  resetStates(): void;
  /** The logits of step t: [B, vocab]. */
  logits(t: number): FloatArray;
}

export interface CompiledModel {
  ir: IRModel;
  layout: Layout;
  backward: boolean;
  /** The generated JavaScript: a function `create(rt, config)`. */
  source: string;
  /**
   * The parameter and gradient arenas, allocated where the kernels work fastest (use these
   * rather than your own arrays: kernels read and write them in place).
   */
  createArenas(Float: FloatCtor): { params: FloatArray; grads: FloatArray };
  /** An instance over `params` (and `grads` for training) for batches of B windows of T steps. */
  instantiate(config: { Float: FloatCtor; B: number; T: number; params: FloatArray; grads?: FloatArray | null }): WindowRunner;
}

export function compileModel(ir: IRModel, options: CompileOptions = {}): CompiledModel {
  const backward = options.backward ?? true;
  const plan = planModel(ir, { backward, dropout: options.dropout ?? backward });
  checkSizes(plan);
  const loops: LoopSpec[] = [];
  const source = emitModule(plan, { sources: options.sources, displayPath: options.displayPath, regenerate: options.regenerate, loops });
  // Code that does not parse is the compiler's bug: say so now, not when a run starts (or never, for `rnnc compile`).
  try {
    new Function(`${source}\nreturn create;`);
  } catch (e) {
    throw new CodegenError(`internal: the generated code for model ${ir.name} does not parse: ${e instanceof Error ? e.message : String(e)}`);
  }
  // The SIMD loops, built once per compiled model on first float32 use (RNNC_SIMD_LOOPS=0: JavaScript loops only).
  let simdLoops: Record<string, (...args: number[]) => number> | undefined;
  const loopsFor = (config: { Float: FloatCtor; params: FloatArray; grads?: FloatArray | null }) => {
    const f = config.Float === Float32Array ? fastPath() : null;
    if (!f || loops.length === 0 || process.env.RNNC_SIMD_LOOPS === '0') return null;
    // The loops address the kernels' memory: every array they touch must live there.
    const buffer = f.kernels.memory.buffer;
    if (config.params.buffer !== buffer || (config.grads && config.grads.buffer !== buffer)) return null;
    simdLoops ??= buildLoopModule(loops, { memory: f.kernels.memory, pages: buffer.byteLength / 65536, shared: buffer instanceof SharedArrayBuffer });
    return simdLoops;
  };
  const layout: Layout = {
    params: ir.params.map((p) => {
      const e = plan.paramName.get(p.name)!;
      return { name: p.name, shape: e.shape, offset: e.offset, size: e.size };
    }),
    totalParams: plan.totalParams,
    states: plan.g.states.map((s) => ({ name: s.name, shape: s.shape, size: s.shape.reduce((a, b) => a * b, 1), reverse: s.reverse })),
    vocab: plan.g.nodes[plan.g.nodes[plan.stepLoss].inputs[0]].shape[0],
  };
  return {
    ir,
    layout,
    backward,
    source,
    createArenas(Float) {
      const { alloc } = backendFor(Float);
      return { params: alloc(layout.totalParams), grads: alloc(layout.totalParams) };
    },
    instantiate(config) {
      if (!Number.isInteger(config.B) || config.B < 1) throw new RangeError(`the batch size must be a positive integer, not ${config.B}`);
      if (!Number.isInteger(config.T) || config.T < 1) throw new RangeError(`the window length must be a positive integer, not ${config.T}`);
      // The source is the compiler's own text (model text only in comments): safe to evaluate.
      // A fresh function per instance keeps each one's array accesses monomorphic.
      const factory = new Function(`${source}\nreturn create;`)() as (rt: unknown, config: unknown) => WindowRunner;
      return factory({ ...backendFor(config.Float), loops: loopsFor(config) }, { B: config.B, T: config.T, params: config.params, grads: config.grads ?? null });
    },
  };
}

/** The most entries one array of generated code holds (the arena, or one example's value): 2^31 − 1. */
export const MAX_ENTRIES = 2 ** 31 - 1;

/** Sizes the generated code can index, or a one-line RangeError (a user error) naming the first that is not. */
function checkSizes(plan: Plan): void {
  const fail = (what: string, shape: readonly number[], n: number): never => {
    throw new RangeError(`model ${plan.ir.name}: ${what} [${shape.join(', ')}] has ${n.toPrecision(3)} entries, more than the ${MAX_ENTRIES} an array can hold; use smaller dims`);
  };
  for (const [name, p] of plan.paramName) if (!Number.isSafeInteger(p.size) || p.size > MAX_ENTRIES) fail(`param ${name}`, p.shape, p.size);
  if (!(plan.totalParams <= MAX_ENTRIES)) throw new RangeError(`model ${plan.ir.name} has ${plan.totalParams.toPrecision(3)} parameters, more than the ${MAX_ENTRIES} an arena can hold; use smaller dims`);
  for (const n of plan.g.nodes) {
    if (!plan.needed[n.id]) continue;
    const size = n.shape.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(size) || size > MAX_ENTRIES) fail(`the value ${n.label || n.op}`, n.shape, size);
  }
}

/** The generated code as an ES module (`rnnc compile --emit js`). */
export function asModule(c: CompiledModel): string {
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
