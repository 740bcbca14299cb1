// What the training loop reports and records: the curve, the state a resumed run needs, the
// callbacks' payloads and how a run ended: plain data, apart from the loop that produces it.
import type { EarlyStoppingState, ScheduleState } from '../optim/schedule.ts';
import type { NonMonotoneState } from '../optim/nt-asgd.ts';
import type { EvalResult } from '../evaluate.ts';

export interface CurvePoint {
  /** Training tokens (predictions) seen so far. */
  tokens: number;
  step: number;
  train?: number;
  valid?: number;
  /** With `train`: each parameter's gradient norm at this step, before clipping (loss scale included). */
  gradNorms?: Record<string, number>;
  /** With `train`: steps since the previous train point (this one included) whose gradient was clipped. */
  clipped?: number;
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
  /** Clipped steps since the last train point of the curve (absent in older checkpoints: 0). */
  clipped?: number;
  /** nt-asgd: the trigger's validation log (absent for other optimizers and older checkpoints). */
  nonmono?: NonMonotoneState | null;
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
  /** Measured with the averaged weights (nt-asgd, averageAt). */
  averaged: boolean;
}

export interface EpochInfo {
  step: number;
  /** Steps of the epoch whose gradient was clipped, of `steps`. */
  clipped: number;
  steps: number;
  /** Gradient norm per parameter at the epoch's last step, before clipping. */
  gradNorms: Record<string, number>;
}

export interface TrainCallbacks {
  onStep?(info: StepInfo): void;
  onValid?(info: ValidInfo): void;
  /** After each epoch (and its validation). */
  onEpoch?(epoch: number, info: EpochInfo): void;
  /** The switch to averaging: the weights are averaged from the step after `step` on, because nt-asgd's validation stopped improving or averageAt of the budget is spent. */
  onAveraging?(step: number, why: 'validation' | 'budget'): void;
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
