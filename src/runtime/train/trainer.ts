// The training loop: windows of B streams × T steps with the state carried between them
// (truncated BPTT), loss scaling, global-norm clipping, an optimizer step, a learning-rate
// schedule per epoch, validation, early stopping, budgets, and exact resumption. With
// nt-asgd, validation arms the non-monotone trigger; with averageAt, a fraction of the budget
// switches (any optimizer). Once averaging, validation scores (and checkpoints save) the
// averaged weights while training goes on from the raw ones. The
// curve's train points carry each parameter's gradient norm and how often clipping fired.
//
// Everything that decides the next update is in TrainerState (plus the parameters and the
// optimizer's buffers), so `train 20 steps` and `train 10, save, resume, train 10` give the
// same bits: the data order is fixed, and dropout masks are seeded by (seed, step).
//
// It trains in the dtype of the model's arenas: float32 (LanguageModel), or float64, which
// the reference-trainer test uses to compare it step by step with a plain float64 oracle.
import { WeightDrop, weightDropSlots } from './weight-drop.ts';
import type { CompiledModel, WindowRunner } from '../../backend/index.ts';
import type { Layout } from '../../codegen/generate.ts';
import { createOptimizer, type Arena, type Optimizer, type OptimizerState } from '../optim/optimizers.ts';
import { clipFactor, globalNorm } from '../optim/clip.ts';
import { EarlyStopping, LrSchedule } from '../optim/schedule.ts';
import { NonMonotoneTrigger } from '../optim/nt-asgd.ts';
import { resolveTrainOptions, type ResolvedTrainOptions, type TrainOptions } from './train-options.ts';
import { firstNonFinite, paramGradNorms } from './grad-stats.ts';
import { WindowBatches } from './batches.ts';
import { checkMatmul, inPrecision, precisionAt } from './matmul.ts';
import type { EvalResult } from '../evaluate.ts';

import type { EpochInfo, StopReason, TrainCallbacks, TrainerState, TrainResult } from './trainer-types.ts';

export { resolveTrainOptions, type TrainOptions, type ResolvedTrainOptions } from './train-options.ts';
export type { CurvePoint, EpochInfo, StepInfo, StopReason, TrainCallbacks, TrainerState, TrainResult, ValidInfo } from './trainer-types.ts';

/** What the trainer needs of a model (a LanguageModel is one, with float32 arenas). */
export interface TrainableModel<A extends Arena = Float32Array> {
  /** Training code: forward and backward, dropout on. */
  readonly training: CompiledModel;
  readonly layout: Layout;
  readonly params: A;
  readonly grads: A;
  /** Validation: mean NLL over a stream cut into `batch` streams (evaluate.ts's protocol). */
  evaluate(tokens: Int32Array, options: { batch: number; window: number }): EvalResult;
}

/** Loss or gradient became NaN or infinite; the parameters are as after the last good step. */
export class DivergedError extends Error {
  constructor(
    message: string,
    readonly step: number,
    readonly param: string | null,
  ) {
    super(message);
  }
}

export class Trainer<A extends Arena = Float32Array> {
  readonly options: ResolvedTrainOptions;
  readonly optimizer: Optimizer<A>;
  readonly schedule: LrSchedule;
  readonly early: EarlyStopping;
  readonly batches: WindowBatches;
  readonly state: TrainerState;
  /** nt-asgd's trigger (null for the other optimizers). */
  readonly trigger: NonMonotoneTrigger | null;
  /** Where the raw weights wait while the averaged ones are evaluated or saved. */
  private rawWeights: A | null = null;
  private runner: WindowRunner;
  /** DropConnect of the params declared `weight_drop p` (null when none is). */
  private weightDrop: WeightDrop | null;
  private window: Int32Array;
  private lastValid: EvalResult | null = null;

  constructor(
    readonly model: TrainableModel<A>,
    readonly data: { train: Int32Array; valid?: Int32Array | null },
    options: TrainOptions = {},
  ) {
    this.options = resolveTrainOptions(options);
    const o = this.options;
    this.batches = new WindowBatches(data.train, o.batch, o.bptt, undefined, o.shiftWindows);
    checkMatmul(o.matmul, model.params instanceof Float64Array);
    const Float = (model.params instanceof Float64Array ? Float64Array : Float32Array) as unknown as new (n: number) => A;
    const averageWindow = o.averageWindow === null ? Infinity : Math.max(1, Math.round(o.averageWindow * this.batches.count)); // epochs → steps
    this.optimizer = createOptimizer(o.optimizer, { ...o.hyper, weightDecay: o.weightDecay }, model.layout.totalParams, Float, averageWindow);
    this.schedule = new LrSchedule(o.lr, o.schedule);
    this.early = new EarlyStopping(o.patience > 0 ? o.patience : Number.MAX_SAFE_INTEGER);
    this.trigger = o.optimizer === 'nt-asgd' ? new NonMonotoneTrigger(o.nonmono) : null;
    this.runner = model.training.instantiate({ Float: model.params instanceof Float64Array ? Float64Array : Float32Array, B: o.batch, T: o.bptt, params: model.params, grads: model.grads });
    this.window = new Int32Array(o.batch * (o.bptt + 1));
    const dropped = weightDropSlots(model.training.ir, model.layout.params);
    this.weightDrop = dropped.length ? new WeightDrop(dropped) : null;
    this.state = { step: 0, epoch: 0, epochStep: 0, tokens: 0, seconds: 0, schedule: this.schedule.state(), early: this.early.state(), bestValid: null, curve: [], clipped: 0, nonmono: this.trigger?.state() ?? null };
  }

  /** True once the weights are averaged (nt-asgd, averageAt; validation and checkpoints then use the average). */
  get averaging(): boolean {
    return (this.optimizer.averaged?.() ?? null) !== null;
  }

  /** True once the switch to averaging happened (its first averaged step may be yet to come). */
  private switched = (): boolean => (this.optimizer.averagingFrom?.() ?? null) !== null;

  /**
   * Runs `fn` with the weights that are evaluated and saved in the model's arena: nt-asgd's
   * average once it began, handing `fn` the raw training weights (restored, bit for bit,
   * afterwards); otherwise the weights as they are, and null.
   */
  withEvalWeights<T>(fn: (raw: A | null) => T): T {
    const ax = this.optimizer.averaged?.() ?? null;
    if (!ax) return fn(null);
    const params = this.model.params;
    const raw = (this.rawWeights ??= new (params.constructor as new (n: number) => A)(params.length));
    raw.set(params);
    params.set(ax);
    try {
      return fn(raw);
    } finally {
      params.set(raw);
    }
  }

  /** Ends training for good: the model keeps the weights evaluation uses (nt-asgd's average). */
  adoptEvalWeights(): void {
    const ax = this.optimizer.averaged?.() ?? null;
    if (ax) this.model.params.set(ax);
  }

  /** The recurrent states carried into the next window ([batch, …] each). */
  carried(): A[] {
    return this.runner.initial as A[];
  }

  /**
   * Restores a saved run: trainer state, optimizer buffers and carried states, and the raw
   * training weights when the model's arena holds nt-asgd's average (a checkpoint's weights).
   */
  restore(state: TrainerState, optimizer: OptimizerState<A | Float32Array>, carried: readonly ArrayLike<number>[] | null, trainWeights: ArrayLike<number> | null = null): void {
    Object.assign(this.state, structuredClone(state));
    this.state.clipped ??= 0;
    this.schedule.load(state.schedule);
    this.early.load(state.early);
    this.optimizer.load(optimizer);
    if (this.trigger) {
      this.trigger.load(state.nonmono ?? { logs: [] });
      this.state.nonmono = this.trigger.state();
    }
    if (trainWeights) this.model.params.set(trainWeights);
    if (carried) this.runner.initial.forEach((s, k) => s.set(carried[k]));
    else this.runner.resetStates();
  }

  validate(): EvalResult | null {
    const valid = this.data.valid;
    if (!valid || valid.length < 2) return null;
    return this.withEvalWeights(() => this.model.evaluate(valid, { batch: this.options.evalBatch, window: this.options.bptt })); // fewer streams when the text is short (streamLayout)
  }

  private recordValid(cb: TrainCallbacks): boolean {
    const r = this.validate();
    if (!r) return false;
    this.lastValid = r;
    const s = this.state;
    const best = s.bestValid === null || r.loss < s.bestValid;
    if (best) s.bestValid = r.loss;
    s.curve.push({ tokens: s.tokens, step: s.step, valid: r.loss });
    cb.onValid?.({ step: s.step, epoch: s.epoch + (s.epochStep > 0 ? 1 : 0), tokens: s.tokens, result: r, best, averaged: this.averaging });
    // NT-ASGD: validations of the raw weights arm the trigger; once it fires, averaging starts with the next step.
    if (this.trigger && !this.switched()) {
      if (this.trigger.update(r.loss)) {
        this.optimizer.startAveraging!();
        cb.onAveraging?.(s.step, 'validation');
      }
      s.nonmono = this.trigger.state();
    }
    return true;
  }

  /** The clipping count and last gradient norms of the epoch just ended, from the curve. */
  private epochInfo(epochSteps: number): EpochInfo {
    const s = this.state;
    const start = s.step - epochSteps;
    const points = s.curve.filter((p) => p.train !== undefined && p.step > start);
    return { step: s.step, steps: epochSteps, clipped: points.reduce((n, p) => n + (p.clipped ?? 0), 0), gradNorms: points.at(-1)?.gradNorms ?? {} };
  }

  /**
   * Trains until a budget is reached, early stopping fires, or shouldStop() says so. Yields
   * to the event loop a few times a second, so signals (Ctrl-C) and timers are handled.
   */
  async run(cb: TrainCallbacks = {}): Promise<TrainResult> {
    const o = this.options;
    const s = this.state;
    const epochSteps = this.batches.count;
    const started = performance.now();
    const secondsAtStart = s.seconds;
    const stepsAtStart = s.step;
    const tokensPerStep = o.batch * o.bptt;
    const scale = o.lossScale === 'sum' ? o.bptt : 1;
    const totalSteps = o.steps ?? (o.epochs !== null ? o.epochs * epochSteps : Infinity);
    let lastLoss = NaN;
    let reason: StopReason | null = null;
    const grads = this.model.grads;
    const params = this.model.params;

    const elapsed = () => secondsAtStart + (performance.now() - started) / 1000;
    // cosine's budget fraction: steps and epochs count from the run's start; a --minutes call goes on from where the last one left the schedule.
    const p0 = this.schedule.state().progress ?? 0;
    const cosine = this.schedule.spec.kind === 'cosine';
    const spent = () => Math.max(totalSteps === Infinity ? 0 : s.step / totalSteps, o.minutes !== null ? p0 + ((1 - p0) * (elapsed() - secondsAtStart)) / (o.minutes * 60) : 0);
    const budgetReached = (): StopReason | null => {
      if (o.steps !== null && s.step >= o.steps) return 'steps';
      if (o.epochs !== null && s.epoch >= o.epochs) return 'epochs';
      // Minutes count this call's training (a resumed run trains that much more); steps and epochs count from the start.
      if (o.minutes !== null && elapsed() - secondsAtStart >= o.minutes * 60) return 'minutes';
      return null;
    };

    let lastYield = performance.now();
    while ((reason = budgetReached()) === null) {
      if (performance.now() - lastYield > 100) {
        await new Promise((r) => (globalThis.setImmediate ?? setTimeout)(r)); // a page has no setImmediate
        lastYield = performance.now();
      }
      if (cb.shouldStop?.()) {
        reason = 'interrupted';
        break;
      }
      if (s.epochStep === 0) this.runner.resetStates(); // each epoch starts from zero states
      const lr = cosine ? this.schedule.advance(spent()) : this.schedule.lr;
      if (cosine) s.schedule = this.schedule.state();
      this.batches.fill(this.window, s.epochStep, this.batches.offset(o.seed, s.epoch));
      // Dropout masks depend only on (seed, step): a resumed run draws the same ones.
      const seed = (Math.imul(o.seed, 0x9e3779b1) + s.step) | 0;
      let loss: number;
      this.weightDrop?.apply(params, seed);
      try {
        loss = inPrecision(precisionAt(o.matmul, o.bf16After, s.step, epochSteps), () => this.runner.run(this.window, { seed }));
      } finally {
        this.weightDrop?.restore(params, grads);
      }
      const norm = scale * globalNorm(grads);
      if (!Number.isFinite(loss) || !Number.isFinite(norm)) {
        const bad = firstNonFinite(this.model.params, this.model.grads, this.model.layout.params);
        const where = bad ? `; ${bad.what === 'value' ? 'the values' : 'the gradient'} of ${bad.name} ${bad.what === 'value' ? 'are' : 'is'} not finite` : '';
        throw new DivergedError(
          `training diverged at step ${s.step + 1}: the ${Number.isFinite(loss) ? 'gradient norm' : 'loss'} is ${Number.isFinite(loss) ? norm : loss}${where}` +
            ` (lr ${lr}); the parameters are those after step ${s.step}. Try a lower --lr or --clip`,
          s.step + 1,
          bad?.name ?? null,
        );
      }
      // The loss scale and the clipping factor reach the optimizer as one gradient scale.
      const clip = clipFactor(norm, o.clip);
      if (clip !== 1) s.clipped = (s.clipped ?? 0) + 1;
      const f = scale * clip;
      const logged = (s.step + 1) % Math.max(1, Math.floor(epochSteps / 50)) === 0 || s.epochStep + 1 === epochSteps; // the curve's train points
      const gradNorms = logged ? paramGradNorms(grads, this.model.layout.params, scale) : null;
      this.optimizer.step(params, grads, lr, f);
      s.step++;
      s.epochStep++;
      s.tokens += tokensPerStep;
      lastLoss = loss;
      const seconds = elapsed();
      s.seconds = seconds;
      const doneFrac = Math.min(
        1,
        Math.max(totalSteps === Infinity ? 0 : s.step / totalSteps, o.minutes !== null ? (seconds - secondsAtStart) / (o.minutes * 60) : 0),
      );
      cb.onStep?.({
        step: s.step,
        epoch: s.epoch + 1,
        epochStep: s.epochStep,
        epochSteps,
        loss,
        gradNorm: norm,
        lr,
        tokens: s.tokens,
        tokensPerS: ((s.step - stepsAtStart) * tokensPerStep) / Math.max(1e-9, seconds - secondsAtStart),
        seconds,
        progress: doneFrac,
      });
      if (o.averageAt !== null && doneFrac >= o.averageAt && !this.switched()) {
        this.optimizer.startAveraging!();
        cb.onAveraging?.(s.step, 'budget');
      }
      if (gradNorms) {
        s.curve.push({ tokens: s.tokens, step: s.step, train: loss, gradNorms, clipped: s.clipped ?? 0 });
        s.clipped = 0;
      }

      let validated = false;
      if (s.epochStep === epochSteps) {
        s.epoch++;
        s.epochStep = 0;
        validated = this.recordValid(cb);
        this.schedule.endEpoch(this.lastValid && validated ? this.lastValid.loss : undefined);
        s.schedule = this.schedule.state();
        cb.onEpoch?.(s.epoch, this.epochInfo(epochSteps));
      } else if (o.evalEvery > 0 && s.step % o.evalEvery === 0) {
        validated = this.recordValid(cb);
      }
      if (validated && this.lastValid) {
        const { stop } = this.early.update(this.lastValid.loss);
        s.early = this.early.state();
        if (stop) reason = 'early-stopping'; // never without --patience (its patience is then unreachable)
      }
      if (validated || s.epochStep === 0) cb.onCheckpoint?.();
      if (reason) break;
    }
    s.seconds = elapsed();
    s.schedule = this.schedule.state();
    s.early = this.early.state();
    return { reason: reason!, state: s, lastLoss, lastValid: this.lastValid };
  }
}
