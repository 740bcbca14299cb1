// Non-monotonically triggered averaged SGD (NT-ASGD; Merity, Keskar & Socher 2017,
// "Regularizing and Optimizing LSTM Language Models", Algorithm 1, and their AWD-LSTM code):
//
//   - plain SGD (θ ← θ − η·g, weight decay added to g) until the trigger fires;
//   - the trigger: at each validation, with logs the losses of the validations before it,
//     fire when len(logs) > n and v > min(logs[0 … len(logs) − n − 1]), i.e. the loss is worse
//     than the best one seen before the last n validations (n = the non-monotone interval,
//     default 5). AWD-LSTM's main.py: `len(best_val_loss) > nonmono and val_loss >
//     min(best_val_loss[:-nonmono])`;
//   - from then on SGD continues on the raw weights, and ax, the mean of the weights after each
//     step since the trigger, is kept beside them: after the k-th such step
//     ax ← ax + (θ − ax)/k (k = 1: ax ← θ), torch.optim.ASGD's update with t0 = 0, λ = 0
//     (AWD-LSTM switches to a fresh ASGD optimizer, so its step count restarts at the switch);
//   - validation and saved weights are ax; training reads and writes θ.
//
// The optimizer (optimizers.ts, kind 'nt-asgd') holds ax and the trigger step t0; the trainer
// holds the trigger's log of validation losses (NonMonotoneState, in its JSON state).

/** Default non-monotone interval n (AWD-LSTM's --nonmono). */
export const DEFAULT_NONMONO = 5;

/**
 * ax ← running mean after the k-th step of averaging (k ≥ 1), element by element, the
 * arithmetic in float64 and rounded once when stored. With a window of W steps, the k-th step
 * for k > W weighs 1/W instead of 1/k: the plain mean for the first W steps, then an exponential
 * moving average with decay 1 − 1/W, which follows the iterates instead of weighing old ones alike.
 */
export function averageInto(ax: Float32Array | Float64Array, params: Float32Array | Float64Array, k: number, window = Infinity): void {
  const n = ax.length;
  if (k <= 1) {
    ax.set(params); // the first averaged step: the mean of one iterate is that iterate, exactly
    return;
  }
  const mu = 1 / Math.min(k, window);
  for (let i = 0; i < n; i++) ax[i] += (params[i] - ax[i]) * mu;
}

export interface NonMonotoneState {
  /** Validation losses seen while the trigger was armed, in order. */
  logs: number[];
}

export class NonMonotoneError extends Error {}

/** The trigger's bookkeeping: `update` after each validation says whether to start averaging. */
export class NonMonotoneTrigger {
  readonly n: number;
  private s: NonMonotoneState = { logs: [] };

  constructor(n: number = DEFAULT_NONMONO) {
    if (!(Number.isInteger(n) && n >= 0)) throw new NonMonotoneError(`the non-monotone interval must be an integer ≥ 0 (got ${n})`);
    this.n = n;
  }

  /** Records validation loss `v`; true when it is worse than the best before the last n. */
  update(v: number): boolean {
    const logs = this.s.logs;
    const t = logs.length;
    let fire = false;
    if (t > this.n) {
      let best = Infinity;
      for (let l = 0; l < t - this.n; l++) if (logs[l] < best) best = logs[l]; // NaN losses set no best
      fire = !(v <= best); // a NaN loss is not an improvement either
    }
    logs.push(v);
    return fire;
  }

  state(): NonMonotoneState {
    return { logs: [...this.s.logs] };
  }

  load(state: NonMonotoneState): void {
    if (state === null || typeof state !== 'object' || !Array.isArray(state.logs) || state.logs.some((v) => typeof v !== 'number' && v !== null)) {
      throw new NonMonotoneError(`malformed NT-ASGD trigger state ${JSON.stringify(state)}`);
    }
    // JSON writes NaN as null: it stays a loss that improves on nothing.
    this.s = { logs: state.logs.map((v) => (v === null ? NaN : v)) };
  }
}
