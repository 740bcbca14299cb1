// The runtime backend: a generated model (source and layout) made runnable. It owns the
// choice of kernels, the RNNC_* settings, the memory arrays live in and instantiation.
import { generate, type CompileOptions, type GeneratedModel, type Layout } from '../codegen/generate.ts';
import type { FloatArray, FloatCtor } from '../codegen/support.ts';
import type { IRModel } from '../ir/types.ts';
import { checkParses, instantiator, type InstanceConfig, type WindowRunner } from './instantiate.ts';
import { createArenas } from './memory.ts';

export type { RunOptions, WindowRunner, InstanceConfig } from './instantiate.ts';
export { float32Kernels, arenaOps, type ArenaOps } from './kernels.ts';
export { settings, kernelSettings, type Settings, type KernelSettings } from './settings.ts';

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
  instantiate(config: InstanceConfig): WindowRunner;
}

/** Generates a model's code and makes it runnable. */
export function compileModel(ir: IRModel, options: CompileOptions = {}): CompiledModel {
  return runnable(generate(ir, options));
}

/** A generated model, checked to parse, with arenas and instances. */
export function runnable(g: GeneratedModel): CompiledModel {
  checkParses(g);
  return {
    ir: g.ir,
    layout: g.layout,
    backward: g.backward,
    source: g.source,
    createArenas: (Float) => createArenas(g.layout.totalParams, Float),
    instantiate: instantiator(g),
  };
}
