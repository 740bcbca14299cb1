// Generated source → running code: the source evaluated with `new Function` over a runtime
// (allocator, support functions, SIMD loops), for one batch size and window length.
import type { GeneratedModel } from '../codegen/generate.ts';
import type { FloatArray, FloatCtor } from '../codegen/support.ts';
import { buildLoopModule } from '../codegen/simd-loops.ts';
import { CodegenError } from '../codegen/emit.ts';
import { fastPath } from './kernels.ts';
import { runtimeFor } from './memory.ts';
import { settings } from './settings.ts';

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

export interface InstanceConfig {
  Float: FloatCtor;
  B: number;
  T: number;
  params: FloatArray;
  grads?: FloatArray | null;
}

/** Code that does not parse is the compiler's bug: say so at compile time, not when a run starts (or never, for `rnnc compile`). */
export function checkParses(g: GeneratedModel): void {
  try {
    new Function(`${g.source}\nreturn create;`);
  } catch (e) {
    throw new CodegenError(`internal: the generated code for model ${g.ir.name} does not parse: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Instances of one generated model; its SIMD loops are built once, on first float32 use. */
export function instantiator(g: GeneratedModel): (config: InstanceConfig) => WindowRunner {
  let simdLoops: Record<string, (...args: number[]) => number> | undefined;
  const loopsFor = (config: InstanceConfig) => {
    const f = config.Float === Float32Array ? fastPath() : null;
    if (!f || g.loops.length === 0 || !settings().simdLoops) return null;
    // The loops address the kernels' memory: every array they touch must live there.
    const buffer = f.kernels.memory.buffer;
    if (config.params.buffer !== buffer || (config.grads && config.grads.buffer !== buffer)) return null;
    simdLoops ??= buildLoopModule(g.loops, { memory: f.kernels.memory, pages: buffer.byteLength / 65536, shared: typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer });
    return simdLoops;
  };
  return (config) => {
    if (!Number.isInteger(config.B) || config.B < 1) throw new RangeError(`the batch size must be a positive integer, not ${config.B}`);
    if (!Number.isInteger(config.T) || config.T < 1) throw new RangeError(`the window length must be a positive integer, not ${config.T}`);
    // The source is the compiler's own text (model text only in comments): safe to evaluate.
    // A fresh function per instance keeps each one's array accesses monomorphic.
    const factory = new Function(`${g.source}\nreturn create;`)() as (rt: unknown, config: unknown) => WindowRunner;
    return factory({ ...runtimeFor(config.Float), loops: loopsFor(config) }, { B: config.B, T: config.T, params: config.params, grads: config.grads ?? null });
  };
}
