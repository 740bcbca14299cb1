// The real trainer's model in float64: the generated training and inference code over
// float64 arenas (the codegen is dtype-generic), initialised from the model's `init`
// annotations, validated by the real StreamEvaluator. What a LanguageModel is, minus float32.
import { compileModel } from '../../src/codegen/index.ts';
import { initParams } from '../../src/runtime/init.ts';
import { StreamEvaluator } from '../../src/runtime/evaluate.ts';
import type { TrainableModel } from '../../src/runtime/train/trainer.ts';
import type { IRModel } from '../../src/ir/types.ts';

export interface Float64Model extends TrainableModel<Float64Array> {
  /** The parameters as they were initialised, by name (for the reference trainer). */
  initial: Map<string, Float64Array>;
  /** The current parameters, by name (copies). */
  named(): Map<string, Float64Array>;
}

export function float64Model(ir: IRModel, initSeed: number): Float64Model {
  const training = compileModel(ir, { backward: true, dropout: true });
  const inference = compileModel(ir, { backward: false, dropout: false });
  const layout = training.layout;
  const params = new Float64Array(layout.totalParams);
  const grads = new Float64Array(layout.totalParams);
  initParams(params, layout.params, new Map(ir.params.map((p) => [p.name, p.init])), initSeed);
  const named = () => new Map(layout.params.map((s) => [s.name, params.slice(s.offset, s.offset + s.size)]));
  return {
    training,
    layout,
    params,
    grads,
    initial: named(),
    named,
    evaluate: (tokens, { batch, window }) => new StreamEvaluator(inference, params, Float64Array, batch, window).evaluate(tokens),
  };
}

/** The small Elman language model the trainer tests run on, at the given sizes. */
export function elmanLM(embed: number, hidden: number): string {
  return `
use "cells/elman.rnn"
model ElmanLM {
  dim vocab
  dim embed = ${embed}, hidden = ${hidden}
  param E: [vocab, embed]   init normal(0.5)
  param V: [vocab, hidden]  init xavier
  param b: [vocab]          init zeros
  h = Elman(E[token], hidden = hidden)
  loss cross_entropy(V @ h + b, next)
}`;
}
