// A float64 reference trainer, written from the definitions and sharing no code with
// src/runtime/train or src/runtime/optim: the oracle test/runtime/reference-trainer.test.ts
// holds the real trainer to, step by step.
//
//   data      TensorFlow's ptb_producer (models/rnn/ptb/reader.py): batch_len = N // B, stream b
//             = tokens[b·batch_len, (b+1)·batch_len), epoch_size = (batch_len − 1) // T, window i
//             = inputs stream[i·T, (i+1)·T), targets one token later. README "Batches": the state
//             is carried from window to window (truncated BPTT) and reset at each epoch start.
//   loss      the reference interpreter (src/graph/interpret.ts via referenceLossAndGrads): mean
//             cross-entropy of the window and its float64 gradient, carried states held constant.
//             `lossScale: 'sum'` differentiates T × that (TensorFlow's ptb_word_lm).
//   clipping  tf.clip_by_global_norm: g ← g · c / max(‖g‖, c) over all gradients.
//   optimizer PyTorch's documented algorithms (torch.optim docs, 2.x), weight decay λ added to
//             the clipped gradient as their `weight_decay` does.
//   nt-asgd   Merity et al. 2017, Algorithm 1 as AWD-LSTM's main.py runs it: SGD; at each
//             validation (here: epoch ends) before the switch, switch when there are more than
//             n earlier losses and v > min(all of them but the last n); from the next step on,
//             the average is the plain mean (sum / count) of the parameters after each step
//             since the switch, and validation scores that mean; the updates go on from θ.
//   schedule  decay: lr · factor^max(e − after, 0) for epoch e (ptb_word_lm's lr_decay);
//             plateau: ReduceLROnPlateau (mode min, threshold_mode rel) at each epoch end;
//             cosine: step s of S at lr · (final + (1 − final) · (1 + cos(π (s − 1) / S)) / 2).
//   valid     README "Evaluation protocol": B' = min(evalBatch, N − 1) streams, L = ⌊(N − 1)/B'⌋,
//             stream b = tokens[b·L, b·L + L] from a zero state, all B'·L predictions averaged;
//             each stream scored on its own through the interpreter, no dropout.
//   dropout   the masks of window `step` (0-based) are the interpreter's for the window seed
//             imul(seed, 0x9e3779b1) + step: this reuses the trainer's documented seeding, the
//             one piece not derived independently (the masks are a seeded stream by design).
//   weight drop the window computes with θ ⊙ m for each param declared `weight_drop p` (k-th such
//             param: m = weightDropMask(window seed, k, p)), and its gradient is m ⊙ ∂L/∂(θ ⊙ m).
import { unroll } from '../../src/graph/unroll.ts';
import { interpret } from '../../src/graph/interpret.ts';
import { differentiate, type GradGraph } from '../../src/autodiff/grad.ts';
import { referenceLossAndGrads } from '../../src/autodiff/reference.ts';
import type { IRModel } from '../../src/ir/types.ts';
import { weightDropMask } from '../../src/runtime/train/weight-drop.ts';

export type RefOptimizer = 'sgd' | 'momentum' | 'nesterov' | 'adagrad' | 'rmsprop' | 'adam' | 'nt-asgd';

export interface RefOptions {
  batch: number;
  bptt: number;
  steps: number;
  optimizer: RefOptimizer;
  lr: number;
  /** 0: no clipping. */
  clip: number;
  weightDecay: number;
  momentum?: number;
  alpha?: number;
  centered?: boolean;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** nt-asgd's non-monotone interval. */
  nonmono?: number;
  lossScale: 'mean' | 'sum';
  schedule: { kind: 'constant' } | { kind: 'decay'; factor: number; after: number } | { kind: 'plateau'; factor: number; patience: number } | { kind: 'cosine'; final: number };
  seed: number;
  evalBatch: number;
}

export interface RefStep {
  /** 1-based. */
  step: number;
  /** 1-based epoch the step belongs to. */
  epoch: number;
  loss: number;
  /** ‖∇‖ of the scaled loss, before clipping. */
  norm: number;
  clipped: boolean;
  lr: number;
  /** Parameters after the step. */
  params: Map<string, Float64Array>;
}

export interface RefRun {
  steps: RefStep[];
  /** Validation loss at each epoch end, in order. */
  valid: number[];
  /** Per stream, the states carried into the next window after the last step. */
  carried: Map<string, Float64Array>[];
  /** nt-asgd: the step after which averaging began (null: it never did), and the average after the last step. */
  averageFrom: number | null;
  average: Map<string, Float64Array> | null;
}

const copy = (m: ReadonlyMap<string, Float64Array>) => new Map([...m].map(([k, v]) => [k, Float64Array.from(v)]));

/** README's evaluation protocol, every stream on its own through the interpreter. */
export function referenceEvaluate(ir: IRModel, params: ReadonlyMap<string, Float64Array>, tokens: ArrayLike<number>, batch: number): number {
  const N = tokens.length;
  const B = Math.min(batch, N - 1);
  const L = Math.floor((N - 1) / B);
  const g = unroll(ir, L, { training: false });
  let sum = 0;
  for (let b = 0; b < B; b++) {
    const stream = Array.from({ length: L + 1 }, (_, t) => tokens[b * L + t]);
    sum += interpret(g, { params, tokens: stream })[g.loss][0] * L; // the graph's loss is the stream's mean
  }
  return sum / (B * L);
}

export function referenceTrain(ir: IRModel, init: ReadonlyMap<string, Float64Array>, train: ArrayLike<number>, valid: ArrayLike<number> | null, o: RefOptions): RefRun {
  const { batch: B, bptt: T } = o;
  const batchLen = Math.floor(train.length / B);
  const epochSize = Math.floor((batchLen - 1) / T);
  if (epochSize < 1) throw new Error('the reference needs at least one window');
  const graph: GradGraph = differentiate(unroll(ir, T, { training: true }));
  const theta = copy(init);
  const names = [...theta.keys()];
  const zeros = () => new Map(names.map((n) => [n, new Float64Array(theta.get(n)!.length)]));
  // Optimizer state, PyTorch's names.
  const buf = zeros(); // momentum_buffer (momentum, nesterov, rmsprop with momentum)
  const sum = zeros(); // adagrad state_sum
  const sq = zeros(); // rmsprop square_avg
  const gAvg = zeros(); // rmsprop grad_avg (centered)
  const m1 = zeros(); // adam exp_avg
  const m2 = zeros(); // adam exp_avg_sq
  const sch = o.schedule;
  const lrOfEpoch = (e: number) => (sch.kind === 'decay' ? o.lr * Math.pow(sch.factor, Math.max(e - sch.after, 0)) : o.lr);
  let lr = lrOfEpoch(1);
  let best = Infinity;
  let bad = 0;
  let carried: Map<string, Float64Array>[] = [];
  const steps: RefStep[] = [];
  const validLosses: number[] = [];
  // nt-asgd: the sum of the iterates since the switch, their count, the validation log.
  let averageFrom: number | null = null;
  const iterSum = zeros();
  let iterCount = 0;
  const logs: number[] = [];
  const mean = () => new Map(names.map((n) => [n, iterSum.get(n)!.map((v) => v / iterCount)]));

  for (let step = 1; step <= o.steps; step++) {
    const epoch = Math.floor((step - 1) / epochSize) + 1;
    if (sch.kind === 'cosine') lr = o.lr * (sch.final + ((1 - sch.final) * (1 + Math.cos(Math.PI * ((step - 1) / o.steps)))) / 2);
    const i = (step - 1) % epochSize;
    if (i === 0) carried = Array.from({ length: B }, () => new Map()); // zero states at each epoch start
    const rows = Array.from({ length: B }, (_, b) => Array.from({ length: T + 1 }, (_, t) => train[b * batchLen + i * T + t]));
    const maskSeed = (Math.imul(o.seed, 0x9e3779b1) + (step - 1)) | 0;
    // DropConnect: the window's weights θ ⊙ m, and the chain rule back to θ.
    const masks = new Map(ir.params.filter((q) => q.weightDrop).map((q, k) => {
      const m = new Float64Array(theta.get(q.name)!.length);
      weightDropMask(m, maskSeed, k, q.weightDrop!);
      return [q.name, m];
    }));
    const effective = new Map([...theta].map(([n, v]) => [n, masks.has(n) ? v.map((x, k) => x * masks.get(n)![k]) : v]));
    const r = referenceLossAndGrads(graph, { params: effective, tokens: rows, initialStates: carried, maskSeed });
    for (const [n, m] of masks) r.grads.set(n, r.grads.get(n)!.map((x, k) => x * m[k]));
    carried = r.finalStates;

    const scale = o.lossScale === 'sum' ? T : 1;
    let ss = 0;
    for (const g of r.grads.values()) for (const v of g) ss += scale * v * (scale * v);
    const norm = Math.sqrt(ss);
    const c = o.clip > 0 ? o.clip / Math.max(norm, o.clip) : 1;

    for (const n of names) {
      const p = theta.get(n)!;
      const g0 = r.grads.get(n)!;
      for (let k = 0; k < p.length; k++) {
        const g = scale * g0[k] * c + o.weightDecay * p[k];
        p[k] -= update(n, k, g, step);
      }
    }
    if (averageFrom !== null) {
      for (const n of names) iterSum.get(n)!.forEach((_, k, a) => (a[k] += theta.get(n)![k]));
      iterCount++;
    }
    steps.push({ step, epoch, loss: r.loss, norm, clipped: o.clip > 0 && norm > o.clip, lr, params: copy(theta) });

    if (i === epochSize - 1) {
      const v = valid && valid.length >= 2 ? referenceEvaluate(ir, averageFrom !== null ? mean() : theta, valid, o.evalBatch) : null;
      if (v !== null) validLosses.push(v);
      if (o.optimizer === 'nt-asgd' && averageFrom === null && v !== null) {
        const n = o.nonmono ?? 5;
        if (logs.length > n && v > Math.min(...logs.slice(0, logs.length - n))) averageFrom = step;
        logs.push(v);
      }
      if (sch.kind === 'decay') lr = lrOfEpoch(epoch + 1);
      else if (sch.kind === 'plateau') {
        // ReduceLROnPlateau.step(v): better means v < best (threshold 0); a missing loss is not better.
        if (v !== null && v < best) {
          best = v;
          bad = 0;
        } else if (++bad > sch.patience) {
          lr *= sch.factor;
          bad = 0;
        }
      }
    }
  }
  return { steps, valid: validLosses, carried, averageFrom, average: averageFrom !== null ? mean() : null };

  /** The step subtracted from θ[k] for the gradient g (which includes weight decay), at step t. */
  function update(n: string, k: number, g: number, t: number): number {
    const mu = o.momentum ?? (o.optimizer === 'momentum' || o.optimizer === 'nesterov' ? 0.9 : 0);
    switch (o.optimizer) {
      case 'sgd':
      case 'nt-asgd':
        return lr * g;
      case 'momentum': {
        // torch.optim.SGD, momentum μ, dampening 0: b₁ = g, b_t = μ b_{t−1} + g; θ −= γ b_t.
        const b = buf.get(n)!;
        b[k] = t === 1 ? g : mu * b[k] + g;
        return lr * b[k];
      }
      case 'nesterov': {
        // The same buffer, and the step along g + μ b_t.
        const b = buf.get(n)!;
        b[k] = t === 1 ? g : mu * b[k] + g;
        return lr * (g + mu * b[k]);
      }
      case 'adagrad': {
        // torch.optim.Adagrad, lr_decay 0, initial accumulator 0: state_sum += g²; θ −= γ g / (√state_sum + ε).
        const s = sum.get(n)!;
        s[k] += g * g;
        return (lr * g) / (Math.sqrt(s[k]) + (o.eps ?? 1e-10));
      }
      case 'rmsprop': {
        // torch.optim.RMSprop: v = α v + (1 − α) g²; centered: ṽ = v − (g_ave)², g_ave = α g_ave + (1 − α) g.
        const a = o.alpha ?? 0.99;
        const v = sq.get(n)!;
        v[k] = a * v[k] + (1 - a) * g * g;
        let denom = v[k];
        if (o.centered) {
          const ga = gAvg.get(n)!;
          ga[k] = a * ga[k] + (1 - a) * g;
          denom = v[k] - ga[k] * ga[k];
        }
        const d = g / (Math.sqrt(denom) + (o.eps ?? 1e-8));
        if (mu > 0) {
          const b = buf.get(n)!;
          b[k] = mu * b[k] + d;
          return lr * b[k];
        }
        return lr * d;
      }
      case 'adam': {
        // Kingma & Ba, Algorithm 1 (= torch.optim.Adam, amsgrad off).
        const b1 = o.beta1 ?? 0.9;
        const b2 = o.beta2 ?? 0.999;
        const m = m1.get(n)!;
        const v = m2.get(n)!;
        m[k] = b1 * m[k] + (1 - b1) * g;
        v[k] = b2 * v[k] + (1 - b2) * g * g;
        const mHat = m[k] / (1 - b1 ** t);
        const vHat = v[k] / (1 - b2 ** t);
        return (lr * mHat) / (Math.sqrt(vHat) + (o.eps ?? 1e-8));
      }
    }
  }
}
