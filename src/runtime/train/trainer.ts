// The training loop: windows of B streams × T steps with the state carried between them
// (truncated BPTT), loss scaling, global-norm clipping, an optimizer step, a learning-rate
// schedule per epoch, validation, early stopping, budgets, and exact resumption.
//
// Everything that decides the next update is in TrainerState (plus the parameters and the
// optimizer's buffers), so `train 20 steps` and `train 10, save, resume, train 10` give the
// same bits: the data order is fixed, and dropout masks are seeded by (seed, step).
//
// It trains in the dtype of the model's arenas: float32 (LanguageModel), or float64, which
// the reference-trainer test uses to compare it step by step with a plain float64 oracle.
import type { CompiledModel, WindowRunner } from '../../backend/index.ts';
import type { Layout } from '../../codegen/generate.ts';
import { createOptimizer, type Arena, type Optimizer, type OptimizerHyper, type OptimizerKind, type OptimizerState, DEFAULT_LR } from '../optim/optimizers.ts';
import { clipFactor, globalNorm } from '../optim/clip.ts';
import { EarlyStopping, LrSchedule, type EarlyStoppingState, type ScheduleSpec, type ScheduleState } from '../optim/schedule.ts';
import { WindowBatches } from './batches.ts';
import type { EvalResult } from '../evaluate.ts';

export interface TrainOptions {
  /** Parallel streams (default 32). */
  batch?: number;
  /** Window length, the truncation of BPTT (default 64). */
  bptt?: number;
  optimizer?: OptimizerKind;
  /** Learning rate (default: 2e-3 for adam, else the optimizer's PyTorch default). */
  lr?: number;
  /** Global-norm clipping threshold; 0 turns it off (default 5). */
  clip?: number;
  /** L2 weight decay (default 0). */
  weightDecay?: number;
  /** Extra optimizer settings (momentum, betas, eps…). */
  hyper?: OptimizerHyper;
  /**
   * 'mean' (default): differentiate the mean cross-entropy per token. 'sum': the sum over the
   * T steps of the batch mean (T × mean), as TensorFlow's ptb_word_lm and Zaremba et al. do,
   * so their `--lr 1 --clip 5` mean what they meant there.
   */
  lossScale?: 'mean' | 'sum';
  schedule?: ScheduleSpec;
  /**
   * Budgets; training stops at the first one reached (default: 1 epoch when none is given).
   * Steps and epochs count from the start of the run, minutes from the start of this call.
   */
  epochs?: number | null;
  steps?: number | null;
  minutes?: number | null;
  /** Validate every this many steps too (0: only at epoch ends). */
  evalEvery?: number;
  /** Stop after this many validations without improvement (0: never). */
  patience?: number;
  /** Streams used to evaluate the validation text (default 16). */
  evalBatch?: number;
  /** Seed of the dropout masks (initialisation is the model's own `init(seed)`). */
  seed?: number;
}

export type ResolvedTrainOptions = Required<Omit<TrainOptions, 'hyper' | 'epochs' | 'steps' | 'minutes'>> & {
  hyper: OptimizerHyper;
  epochs: number | null;
  steps: number | null;
  minutes: number | null;
};

export function resolveTrainOptions(o: TrainOptions): ResolvedTrainOptions {
  const optimizer = o.optimizer ?? 'adam';
  const r: ResolvedTrainOptions = {
    batch: o.batch ?? 32,
    bptt: o.bptt ?? 64,
    optimizer,
    lr: o.lr ?? (optimizer === 'adam' ? 2e-3 : DEFAULT_LR[optimizer]),
    clip: o.clip ?? 5,
    weightDecay: o.weightDecay ?? 0,
    hyper: o.hyper ?? {},
    lossScale: o.lossScale ?? 'mean',
    schedule: o.schedule ?? { kind: 'constant' },
    epochs: o.epochs ?? null,
    steps: o.steps ?? null,
    minutes: o.minutes ?? null,
    evalEvery: o.evalEvery ?? 0,
    patience: o.patience ?? 0,
    evalBatch: o.evalBatch ?? 16,
    seed: o.seed ?? 0,
  };
  if (r.epochs === null && r.steps === null && r.minutes === null) r.epochs = 1;
  const posInt = (v: number, what: string) => {
    if (!(Number.isInteger(v) && v >= 1)) throw new RangeError(`${what} must be a positive integer (got ${v})`);
  };
  posInt(r.batch, 'batch');
  posInt(r.bptt, 'bptt');
  posInt(r.evalBatch, 'eval batch');
  if (r.epochs !== null) posInt(r.epochs, 'epochs');
  if (r.steps !== null) posInt(r.steps, 'steps');
  if (r.minutes !== null && !(r.minutes > 0)) throw new RangeError(`minutes must be > 0 (got ${r.minutes})`);
  if (!(r.lr > 0 && Number.isFinite(r.lr))) throw new RangeError(`learning rate must be a positive number (got ${r.lr})`);
  if (!(r.clip >= 0 && Number.isFinite(r.clip))) throw new RangeError(`clip must be ≥ 0 (got ${r.clip})`);
  if (!(Number.isInteger(r.evalEvery) && r.evalEvery >= 0)) throw new RangeError(`eval-every must be an integer ≥ 0 (got ${r.evalEvery})`);
  if (!(Number.isInteger(r.patience) && r.patience >= 0)) throw new RangeError(`patience must be an integer ≥ 0 (got ${r.patience})`);
  return r;
}

export interface CurvePoint {
  /** Training tokens (predictions) seen so far. */
  tokens: number;
  step: number;
  train?: number;
  valid?: number;
}

/** What besides weights and optimizer buffers a resumed run needs. */
export interface TrainerState {
  step: number;
  /** Epochs completed. */
  epoch: number;
  /** Windows done in the current epoch. */
  epochStep: number;
  tokens: number;
  /** Training time so far, seconds (budgets count across resumes). */
  seconds: number;
  schedule: ScheduleState;
  early: EarlyStoppingState;
  bestValid: number | null;
  curve: CurvePoint[];
}

export interface StepInfo {
  step: number;
  epoch: number;
  epochStep: number;
  epochSteps: number;
  loss: number;
  gradNorm: number;
  lr: number;
  tokens: number;
  tokensPerS: number;
  seconds: number;
  /** Fraction of the budget done, 0–1. */
  progress: number;
}

export interface ValidInfo {
  step: number;
  epoch: number;
  tokens: number;
  result: EvalResult;
  best: boolean;
}

export interface TrainCallbacks {
  onStep?(info: StepInfo): void;
  onValid?(info: ValidInfo): void;
  /** After each epoch (and its validation). */
  onEpoch?(epoch: number): void;
  /** A good moment to save: after validation, at epoch ends, and at the end. */
  onCheckpoint?(): void;
  /** Polled before each step: return true to stop (e.g. on Ctrl-C). */
  shouldStop?(): boolean;
}

export type StopReason = 'epochs' | 'steps' | 'minutes' | 'early-stopping' | 'interrupted';

export interface TrainResult {
  reason: StopReason;
  state: TrainerState;
  lastLoss: number;
  lastValid: EvalResult | null;
}

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
  private runner: WindowRunner;
  private window: Int32Array;
  private lastValid: EvalResult | null = null;

  constructor(
    readonly model: TrainableModel<A>,
    readonly data: { train: Int32Array; valid?: Int32Array | null },
    options: TrainOptions = {},
  ) {
    this.options = resolveTrainOptions(options);
    const o = this.options;
    this.batches = new WindowBatches(data.train, o.batch, o.bptt);
    const Float = (model.params instanceof Float64Array ? Float64Array : Float32Array) as unknown as new (n: number) => A;
    this.optimizer = createOptimizer(o.optimizer, { ...o.hyper, weightDecay: o.weightDecay }, model.layout.totalParams, Float);
    this.schedule = new LrSchedule(o.lr, o.schedule);
    this.early = new EarlyStopping(o.patience > 0 ? o.patience : Number.MAX_SAFE_INTEGER);
    this.runner = model.training.instantiate({ Float: model.params instanceof Float64Array ? Float64Array : Float32Array, B: o.batch, T: o.bptt, params: model.params, grads: model.grads });
    this.window = new Int32Array(o.batch * (o.bptt + 1));
    this.state = { step: 0, epoch: 0, epochStep: 0, tokens: 0, seconds: 0, schedule: this.schedule.state(), early: this.early.state(), bestValid: null, curve: [] };
  }

  /** The recurrent states carried into the next window ([batch, …] each). */
  carried(): A[] {
    return this.runner.initial as A[];
  }

  /** Restores a saved run: trainer state, optimizer buffers and carried states. */
  restore(state: TrainerState, optimizer: OptimizerState<A | Float32Array>, carried: readonly ArrayLike<number>[] | null): void {
    Object.assign(this.state, structuredClone(state));
    this.schedule.load(state.schedule);
    this.early.load(state.early);
    this.optimizer.load(optimizer);
    if (carried) this.runner.initial.forEach((s, k) => s.set(carried[k]));
    else this.runner.resetStates();
  }

  validate(): EvalResult | null {
    const valid = this.data.valid;
    if (!valid || valid.length < 2) return null;
    return this.model.evaluate(valid, { batch: this.options.evalBatch, window: this.options.bptt }); // fewer streams when the text is short (streamLayout)
  }

  private recordValid(cb: TrainCallbacks): boolean {
    const r = this.validate();
    if (!r) return false;
    this.lastValid = r;
    const s = this.state;
    const best = s.bestValid === null || r.loss < s.bestValid;
    if (best) s.bestValid = r.loss;
    s.curve.push({ tokens: s.tokens, step: s.step, valid: r.loss });
    cb.onValid?.({ step: s.step, epoch: s.epoch + (s.epochStep > 0 ? 1 : 0), tokens: s.tokens, result: r, best });
    return true;
  }

  /** The first parameter whose values (or else whose gradient) are not finite, by name. */
  private badParam(): { name: string; what: 'value' | 'gradient' } | null {
    for (const [arena, what] of [[this.model.params, 'value'], [this.model.grads, 'gradient']] as const) {
      for (const slot of this.model.layout.params) {
        for (let i = slot.offset; i < slot.offset + slot.size; i++) if (!Number.isFinite(arena[i])) return { name: slot.name, what };
      }
    }
    return null;
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
      const lr = this.schedule.lr;
      this.batches.fill(this.window, s.epochStep);
      // Dropout masks depend only on (seed, step): a resumed run draws the same ones.
      const loss = this.runner.run(this.window, { seed: (Math.imul(o.seed, 0x9e3779b1) + s.step) | 0 });
      const norm = scale * globalNorm(grads);
      if (!Number.isFinite(loss) || !Number.isFinite(norm)) {
        const bad = this.badParam();
        const where = bad ? `; ${bad.what === 'value' ? 'the values' : 'the gradient'} of ${bad.name} ${bad.what === 'value' ? 'are' : 'is'} not finite` : '';
        throw new DivergedError(
          `training diverged at step ${s.step + 1}: the ${Number.isFinite(loss) ? 'gradient norm' : 'loss'} is ${Number.isFinite(loss) ? norm : loss}${where}` +
            ` (lr ${lr}); the parameters are those after step ${s.step}. Try a lower --lr or --clip`,
          s.step + 1,
          bad?.name ?? null,
        );
      }
      // The loss scale and the clipping factor reach the optimizer as one gradient scale.
      const f = scale * clipFactor(norm, o.clip);
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
      if (s.step % Math.max(1, Math.floor(epochSteps / 50)) === 0 || s.epochStep === epochSteps) s.curve.push({ tokens: s.tokens, step: s.step, train: loss });

      let validated = false;
      if (s.epochStep === epochSteps) {
        s.epoch++;
        s.epochStep = 0;
        validated = this.recordValid(cb);
        this.schedule.endEpoch(this.lastValid && validated ? this.lastValid.loss : undefined);
        s.schedule = this.schedule.state();
        cb.onEpoch?.(s.epoch);
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
