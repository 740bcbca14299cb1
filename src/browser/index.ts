// rnnc in a browser page (dist/browser/rnnc.mjs, built by scripts/build-browser.mjs): compile
// a model given as text, train it, evaluate and sample, on the WebAssembly kernels. The shipped
// models and cells are in the bundle, so `use "cells/lstm.rnn"` works without a disk.
import { compile, type ModelCompileOptions, type LanguageModel } from '../runtime/model.ts';
import { float32Kernels } from '../backend/kernels.ts';

export { LanguageModel, CompileError, WeightsError } from '../runtime/model.ts';
export type { ModelCompileOptions, State, StepResult, SampleTextOptions, SampleResult } from '../runtime/model.ts';
export type { TrainOptions, TrainCallbacks, TrainResult, StepInfo, ValidInfo } from '../runtime/train/trainer.ts';
export { DivergedError } from '../runtime/train/trainer.ts';
export { Vocab, EOS, UNK } from '../runtime/data/vocab.ts';
export { buildCharVocab, buildWordVocab, buildVocab } from '../runtime/data/tokenize.ts';
export { DataError } from '../runtime/data/errors.ts';
export type { EvalResult } from '../runtime/evaluate.ts';
export { perplexity, bitsPerToken } from '../runtime/metrics.ts';
export { encodeSafetensors, decodeSafetensors } from '../runtime/safetensors.ts';

declare const RNNC_SHIPPED_MODELS: Record<string, string>;

/** models/ of the package, by path inside it (`char-lstm.rnn`, `cells/lstm.rnn`, …). */
export const shippedModels: Readonly<Record<string, string>> = RNNC_SHIPPED_MODELS;

export interface CompileTextOptions extends ModelCompileOptions {
  /** The name the text has in diagnostics and for `use` (default `model.rnn`). */
  file?: string;
}

/**
 * Compiles a model given as .rnn text. Its `use` lines read the other `sources` given, then
 * the shipped cells (`use "cells/lstm.rnn"`); a CompileError lists every problem, with carets.
 */
export function compileText(text: string, options: CompileTextOptions = {}): LanguageModel {
  const file = options.file ?? 'model.rnn';
  return compile(file, { ...options, sources: { ...shippedModels, ...options.sources, [file]: text } });
}

/** Which kernels run the float32 products here (`wasm-simd128…`, or `js` without WebAssembly SIMD). */
export function kernels(): string {
  return float32Kernels();
}
