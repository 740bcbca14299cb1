// The stages of `rnnc lecture`, each a call into the library (src/ngram, src/runtime,
// src/diagnose) that returns its row of the table.
import { join } from 'node:path';
import { diagnose } from '../diagnose/measure.ts';
import type { Labelled } from '../diagnose/report.ts';
import { componentProbs } from '../ngram/mix-text.ts';
import { mixedMeanLn, tuneWeights } from '../ngram/mix.ts';
import type { NgramModel } from '../ngram/model.ts';
import { evaluateNgram } from '../ngram/score.ts';
import { trainNgram } from '../ngram/train.ts';
import { NgramVocab } from '../ngram/vocab.ts';
import type { PreparedData } from '../runtime/data/prepare.ts';
import type { EvalResult } from '../runtime/evaluate.ts';
import { compile, type LanguageModel } from '../runtime/model.ts';
import { saveCheckpoint } from '../runtime/train/checkpoint.ts';
import { Trainer, type CurvePoint, type StopReason } from '../runtime/train/trainer.ts';
import type { Plan, Stage } from './plan.ts';

export type Say = (line: string) => void;

export interface NgramResult {
  model: NgramModel;
  ngrams: number;
  seconds: number;
  valid: number;
  test: number;
}

/** Counts and smooths (interpolated modified Kneser–Ney, rnnc ngram train's default) and evaluates as `rnnc ngram eval` does. */
export function runNgram(order: number, data: PreparedData, texts: { valid: string; test: string }): NgramResult {
  const t0 = performance.now();
  const model = trainNgram(data.train, NgramVocab.fromVocab(data.vocab), { order });
  const seconds = (performance.now() - t0) / 1000;
  const ppl = (text: string, what: string) => evaluateNgram(model, model.vocab.encode(text, what), 'stream').perplexity;
  let ngrams = 0;
  for (let n = 1; n <= order; n++) ngrams += model.count(n);
  return { model, ngrams, seconds, valid: ppl(texts.valid, 'valid'), test: ppl(texts.test, 'test') };
}

export interface NeuralResult {
  model: LanguageModel;
  params: number;
  seconds: number;
  steps: number;
  tokens: number;
  reason: StopReason;
  valid: EvalResult;
  test: EvalResult;
  curve: CurvePoint[];
  checkpoint: string;
  /** The whole stage: training, evaluation, diagnosis, saving (set by the caller). */
  stageSeconds: number;
  init: Labelled | null;
  trained: Labelled | null;
}

function diagnoseModel(label: string, model: LanguageModel, ids: Int32Array, p: Plan): Labelled {
  const params = new Map([...model.weights()].map(([k, v]) => [k, Float64Array.from(v)]));
  return { label, diagnosis: diagnose(model.ir, params, ids, { ...p.diagnose, seed: 0 }) };
}

/**
 * Trains one model with Zaremba's small settings for the planned time (or steps), saves its
 * checkpoint (with curve.svg) under OUT/runs/ID, evaluates valid and test as training
 * validates (16 streams), and diagnoses it at init and after training when the stage asks.
 */
export async function runNeural(stage: Stage, modelFile: string, data: PreparedData, testIds: Int32Array, p: Plan, out: string, say: Say, stop: () => boolean): Promise<NeuralResult | null> {
  const s = { ...p.settings, lr: stage.lr ?? p.settings.lr };
  const model = compile(modelFile, { vocab: data.vocab, dims: s.dims });
  model.init(0, { name: 'uniform', args: [s.initScale] });
  let init: Labelled | null = null;
  if (stage.diagnose) {
    const t = performance.now();
    init = diagnoseModel(`${stage.id}@init`, model, data.valid!, p);
    say(`  gradients at init measured (${((performance.now() - t) / 1000).toFixed(1)} s)`);
  }
  const trainer = new Trainer(model, { train: data.train, valid: data.valid }, {
    batch: s.batch,
    bptt: s.bptt,
    optimizer: 'sgd',
    lr: s.lr,
    clip: s.clip,
    lossScale: 'sum',
    schedule: { kind: 'decay', factor: 0.5, after: 4 },
    minutes: p.neuralSeconds === null ? null : p.neuralSeconds / 60,
    steps: p.neuralSteps,
    evalEvery: p.evalEvery,
  });
  say(`  ${model.paramCount.toLocaleString('en-US')} parameters; sgd lr ${s.lr}, clip ${s.clip}, batch ${s.batch} × bptt ${s.bptt}, init uniform(${s.initScale}); ${p.neuralSteps !== null ? `${p.neuralSteps} steps` : `${(p.neuralSeconds! / 60).toFixed(1)} min`}`);
  let last = performance.now();
  const result = await trainer.run({
    onStep: (i) => {
      if (performance.now() - last < 10_000) return;
      last = performance.now();
      say(`  step ${i.step}, loss ${i.loss.toFixed(3)}, ${Math.round(i.tokensPerS)} tokens/s, ${Math.round(100 * i.progress)}% of its time`);
    },
    onValid: (v) => say(`  step ${v.step}: valid perplexity ${v.result.perplexity.toFixed(2)}`),
    shouldStop: stop,
  });
  if (result.reason === 'interrupted') return null;
  trainer.adoptEvalWeights();
  const protocol = { batch: trainer.options.evalBatch, window: trainer.options.bptt };
  const valid = model.evaluate(data.valid!, protocol);
  const st = result.state;
  if (st.curve.at(-1)?.valid === undefined) st.curve.push({ tokens: st.tokens, step: st.step, valid: valid.loss });
  const test = model.evaluate(testIds, protocol);
  const checkpoint = join(out, 'runs', stage.id);
  saveCheckpoint(checkpoint, { model, trainer, initSeed: 0, initScale: s.initScale, version: 'lecture', best: 'none', validation: protocol });
  let trained: Labelled | null = null;
  if (stage.diagnose) {
    const t = performance.now();
    trained = diagnoseModel(`${stage.id}@trained`, model, data.valid!, p);
    say(`  gradients after training measured (${((performance.now() - t) / 1000).toFixed(1)} s)`);
  }
  return { model, params: model.paramCount, seconds: st.seconds, steps: st.step, tokens: st.tokens, reason: result.reason, valid, test, curve: st.curve, checkpoint, stageSeconds: 0, init, trained };
}

export interface MixResult {
  neural: string;
  weights: number[];
  valid: number;
  test: number;
  /** The two components alone, measured on the same one stream. */
  alone: { neural: number; ngram: number };
  seconds: number;
}

/** Mixes the neural model with the n-gram per token, λ by EM on valid (as `rnnc eval --mix … --mix-tune`), one stream. */
export function runMix(id: string, neural: LanguageModel, ngram: NgramModel, texts: { valid: string; test: string }): MixResult {
  const t0 = performance.now();
  const v = componentProbs(neural, [ngram], texts.valid, 'valid');
  const tuned = tuneWeights(v.probs);
  const d = componentProbs(neural, [ngram], texts.test, 'test');
  const ppl = (probs: Float64Array[], w: number[]) => Math.exp(-mixedMeanLn(probs, w));
  return {
    neural: id,
    weights: tuned.weights,
    valid: Math.exp(-tuned.meanLn),
    test: ppl(d.probs, tuned.weights),
    alone: { neural: ppl(d.probs, [1, 0]), ngram: ppl(d.probs, [0, 1]) },
    seconds: (performance.now() - t0) / 1000,
  };
}
