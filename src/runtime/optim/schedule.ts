// Learning-rate schedules, stepped once per epoch, and early stopping. Epochs are numbered
// from 1. Each object's state is plain JSON (for config.json) and `load` restores it, so a
// resumed run continues with the same learning rate and the same patience counters.
//
//   constant  lr_e = lr₀
//   decay     lr_e = lr₀ · factor^max(0, e − after)
//             Zaremba et al. 2014 (small model): lr₀ = 1, factor 0.5, after 4 — "after 4 epochs
//             we halve the learning rate after each epoch", as TensorFlow's ptb_word_lm.py
//             computes it (lr_decay ** max(i + 1 − max_epoch, 0)) and the PyTorch peer in
//             ../shared/peers does: epochs 1–4 at 1, epoch 5 at 0.5, epoch 6 at 0.25…
//             (Zaremba's own Lua code halves at the end of each epoch e > 4, i.e. one epoch
//             later: that is `after: 5`.)
//   plateau   after an epoch whose validation loss is not better than the best so far,
//             lr ← lr · factor. PyTorch's word_language_model example: factor 1/4, patience 0
//             ("if val_loss < best_val_loss: … else: lr /= 4.0"). With patience p the rate
//             drops once p + 1 epochs in a row failed to improve (ReduceLROnPlateau's rule),
//             and the counter restarts. "Better" means < best · (1 − threshold).
//   cosine    lr_p = lr₀ · (final + (1 − final) · (1 + cos πp) / 2), p the fraction of the
//             budget spent before the step (Loshchilov & Hutter 2017 without restarts; nanoGPT
//             decays to lr₀/10): it moves every step, so a run ends annealed however many
//             epochs the machine fits into --minutes.

export type ScheduleSpec =
  | { kind: 'constant' }
  | { kind: 'decay'; factor: number; after: number }
  | { kind: 'plateau'; factor: number; patience?: number; threshold?: number; minLr?: number }
  | { kind: 'cosine'; final: number };

export interface ScheduleState {
  /** Epochs completed so far. */
  epoch: number;
  /** Learning rate for the next (current) epoch. */
  lr: number;
  /** Best validation loss seen (plateau), null if none yet. */
  best: number | null;
  /** Consecutive epochs without improvement (plateau). */
  bad: number;
  /** cosine: the fraction of the budget spent at the last step (a resumed --minutes run continues from it). */
  progress?: number;
}

export class ScheduleError extends Error {}

/** The schedules for `--lr-schedule`: Zaremba's decay and the PyTorch example's plateau rule. */
export const ZAREMBA_DECAY: ScheduleSpec = { kind: 'decay', factor: 0.5, after: 4 };
export const PYTORCH_PLATEAU: ScheduleSpec = { kind: 'plateau', factor: 0.25, patience: 0 };

function improves(loss: number, best: number | null, threshold: number): boolean {
  if (!Number.isFinite(loss)) return false;
  return best === null || loss < best * (1 - threshold);
}

export class LrSchedule {
  readonly spec: ScheduleSpec;
  readonly baseLr: number;
  private s: ScheduleState;

  constructor(baseLr: number, spec: ScheduleSpec = { kind: 'constant' }) {
    if (!(baseLr > 0 && Number.isFinite(baseLr))) throw new ScheduleError(`learning rate must be a positive number (got ${baseLr})`);
    if (spec.kind === 'decay') {
      if (!(spec.factor > 0 && spec.factor <= 1)) throw new ScheduleError(`decay factor must be in (0, 1] (got ${spec.factor})`);
      if (!(Number.isInteger(spec.after) && spec.after >= 0)) throw new ScheduleError(`decay 'after' must be an epoch number ≥ 0 (got ${spec.after})`);
    } else if (spec.kind === 'plateau') {
      if (!(spec.factor > 0 && spec.factor < 1)) throw new ScheduleError(`plateau factor must be in (0, 1) (got ${spec.factor}; to divide by 4, use 0.25)`);
      const p = spec.patience ?? 0;
      if (!(Number.isInteger(p) && p >= 0)) throw new ScheduleError(`plateau patience must be an integer ≥ 0 (got ${p})`);
      const th = spec.threshold ?? 0;
      if (!(th >= 0 && th < 1)) throw new ScheduleError(`plateau threshold must be in [0, 1) (got ${th})`);
    } else if (spec.kind === 'cosine') {
      if (!(spec.final >= 0 && spec.final <= 1)) throw new ScheduleError(`cosine's final rate must be a fraction of the initial one in [0, 1] (got ${spec.final})`);
    } else if (spec.kind !== 'constant') {
      throw new ScheduleError(`unknown schedule '${(spec as { kind: string }).kind}' (expected constant, decay, plateau or cosine)`);
    }
    this.spec = spec;
    this.baseLr = baseLr;
    this.s = { epoch: 0, lr: this.lrFor(1), best: null, bad: 0 };
  }

  /** For constant and decay schedules, the rate of (1-based) epoch e; plateau and cosine: the base rate. */
  lrFor(epoch: number): number {
    const sp = this.spec;
    if (sp.kind === 'decay') return this.baseLr * Math.pow(sp.factor, Math.max(0, epoch - sp.after));
    return this.baseLr;
  }

  /** The learning rate for the current epoch (cosine: for the current step). */
  get lr(): number {
    return this.s.lr;
  }

  /** cosine: the rate once the fraction p ∈ [0, 1] of the budget is spent. */
  lrAt(p: number): number {
    if (this.spec.kind !== 'cosine') return this.s.lr;
    const q = Math.min(1, Math.max(0, p));
    return this.baseLr * (this.spec.final + ((1 - this.spec.final) * (1 + Math.cos(Math.PI * q))) / 2);
  }

  /** cosine: set the rate of the next step from the budget spent before it; other schedules step per epoch and ignore it. */
  advance(p: number): number {
    if (this.spec.kind !== 'cosine') return this.s.lr;
    this.s.progress = Math.min(1, Math.max(0, p));
    this.s.lr = this.lrAt(this.s.progress);
    return this.s.lr;
  }

  /**
   * Call once at the end of each epoch, with the validation loss if one was measured (the
   * plateau rule needs it; a missing or NaN loss counts as no improvement). Returns the
   * learning rate for the next epoch.
   */
  endEpoch(validLoss?: number): number {
    const s = this.s;
    s.epoch++;
    const sp = this.spec;
    if (sp.kind === 'plateau') {
      if (improves(validLoss ?? NaN, s.best, sp.threshold ?? 0)) {
        s.best = validLoss!;
        s.bad = 0;
      } else {
        s.bad++;
        if (s.bad > (sp.patience ?? 0)) {
          s.lr = Math.max(s.lr * sp.factor, sp.minLr ?? 0);
          s.bad = 0;
        }
      }
    } else if (sp.kind !== 'cosine') {
      s.lr = this.lrFor(s.epoch + 1);
    }
    return s.lr;
  }

  state(): ScheduleState {
    return { ...this.s };
  }

  load(state: ScheduleState): void {
    const ok =
      state !== null &&
      typeof state === 'object' &&
      Number.isInteger(state.epoch) &&
      state.epoch >= 0 &&
      typeof state.lr === 'number' &&
      state.lr > 0 &&
      (state.best === null || typeof state.best === 'number') &&
      Number.isInteger(state.bad) &&
      state.bad >= 0 &&
      (state.progress === undefined || (typeof state.progress === 'number' && state.progress >= 0 && state.progress <= 1));
    if (!ok) throw new ScheduleError(`malformed schedule state ${JSON.stringify(state)}`);
    this.s = { epoch: state.epoch, lr: state.lr, best: state.best, bad: state.bad, ...(state.progress !== undefined ? { progress: state.progress } : {}) };
  }
}

export interface EarlyStoppingState {
  best: number | null;
  bestEpoch: number;
  bad: number;
  epoch: number;
}

/**
 * Early stopping on validation loss: `update` after each evaluation says whether it improved
 * on the best (then save the "best" checkpoint) and whether `patience` evaluations in a row
 * have now failed to improve (then stop). Improvement means < best.
 */
export class EarlyStopping {
  readonly patience: number;
  private s: EarlyStoppingState = { best: null, bestEpoch: 0, bad: 0, epoch: 0 };

  constructor(patience: number) {
    if (!(Number.isInteger(patience) && patience >= 1)) throw new ScheduleError(`early-stopping patience must be an integer ≥ 1 (got ${patience})`);
    this.patience = patience;
  }

  update(validLoss: number): { improved: boolean; stop: boolean } {
    const s = this.s;
    s.epoch++;
    const improved = Number.isFinite(validLoss) && (s.best === null || validLoss < s.best);
    if (improved) {
      s.best = validLoss;
      s.bestEpoch = s.epoch;
      s.bad = 0;
    } else s.bad++;
    return { improved, stop: s.bad >= this.patience };
  }

  state(): EarlyStoppingState {
    return { ...this.s };
  }

  load(state: EarlyStoppingState): void {
    const ok =
      state !== null &&
      typeof state === 'object' &&
      (state.best === null || typeof state.best === 'number') &&
      [state.bestEpoch, state.bad, state.epoch].every((n) => Number.isInteger(n) && n >= 0);
    if (!ok) throw new ScheduleError(`malformed early-stopping state ${JSON.stringify(state)}`);
    this.s = { ...state };
  }
}
