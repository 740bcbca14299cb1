// The public API of rnnc. Everything here is plain data in, plain data out.
export { analyze, renderDiagnostics } from './frontend.ts';
export type { Analysis, AnalyzeOptions, CellSummary } from './frontend.ts';
export { load, readFromDisk } from './syntax/load.ts';
export type { LoadedProgram, ReadFile } from './syntax/load.ts';
export { parse } from './syntax/parse.ts';
export type * from './syntax/ast.ts';
export { check, RULES } from './check/index.ts';
export { elaborate } from './ir/elaborate.ts';
export type { IRModel, IRParam, IRLayer, IRState, IRStmt, IRExpr, IRInit, IRShape, IRDim } from './ir/types.ts';
export { formatIR, formatSummary, irToJSON } from './ir/print.ts';
export { renderDiagnostic, hasErrors } from './util/diagnostic.ts';
export type { Diagnostic, Severity } from './util/diagnostic.ts';

// The runtime: compiled models, training, evaluation, sampling, data and checkpoints.
export { compile, loadIR, LanguageModel, CompileError, WeightsError } from './runtime/model.ts';
export type { ModelCompileOptions, State, StepResult, SampleTextOptions, SampleResult } from './runtime/model.ts';
export { Trainer, DivergedError, resolveTrainOptions } from './runtime/train/trainer.ts';
export type { TrainOptions, TrainCallbacks, TrainResult, StepInfo, ValidInfo, TrainerState, StopReason } from './runtime/train/trainer.ts';
export { saveCheckpoint, loadCheckpoint, CheckpointError } from './runtime/train/checkpoint.ts';
export type { LoadedCheckpoint, CheckpointConfig } from './runtime/train/checkpoint.ts';
export { Vocab, readVocab, EOS, UNK } from './runtime/data/vocab.ts';
export { buildCharVocab, buildWordVocab, buildVocab } from './runtime/data/tokenize.ts';
export { readCorpus, splitText } from './runtime/data/corpus.ts';
export { prepareData } from './runtime/data/prepare.ts';
export { DataError } from './runtime/data/errors.ts';
export type { EvalResult } from './runtime/evaluate.ts';
export { perplexity, bitsPerToken } from './runtime/metrics.ts';
export { readSafetensors, writeSafetensors, SafetensorsError } from './runtime/safetensors.ts';
export { exportModule, type ExportOptions, type ExportedModule, type ExportFormat } from './export/standalone.ts';
export type { Tensor } from './runtime/safetensors.ts';
