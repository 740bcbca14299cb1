// The code generator's entry. generate.ts turns IR into source and layout (plain data); the
// runtime backend (src/backend/) makes that runnable. compileModel and the kernel settings are
// re-exported here for the callers (CLI, tests, benchmarks) that import them from codegen.
export { generate, asModule, MAX_ENTRIES, type CompileOptions, type GeneratedModel, type Layout, type ParamSlot, type StateSlot } from './generate.ts';
export { CodegenError } from './emit.ts';
export type { FloatArray, FloatCtor } from './support.ts';
export { compileModel, float32Kernels, kernelSettings, type CompiledModel, type RunOptions, type WindowRunner } from '../backend/index.ts';
