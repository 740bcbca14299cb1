// What `rnnc lecture` runs and how it divides the time budget. Pure: no I/O, so the split is
// tested on its own (test/lecture/plan.test.ts).

/** A published perplexity on the standard PTB split (Mikolov's preprocessing, 10k words). */
export interface Published {
  valid?: number;
  test: number;
  source: string;
}

export type StageKind = 'ngram' | 'neural' | 'mix';

export interface Stage {
  id: string;
  label: string;
  kind: StageKind;
  /** ngram: the order. */
  order?: number;
  /** neural: the model file under models/. */
  model?: string;
  /** neural: measure vanishing gradients at init and after training (the three cells). */
  diagnose?: boolean;
  /** neural: a learning rate other than Zaremba's 1. */
  lr?: number;
  published?: Published;
}

// Sources: Mikolov, Deoras, Kombrink, Burget & Černocký (2011), "Empirical evaluation and
// combination of advanced language modeling techniques", Interspeech: KN5 141.2 on the PTB
// test set. Zaremba, Sutskever & Vinyals (2014), "Recurrent neural network
// regularization", arXiv:1409.2329, table 1: the non-regularized ("small") LSTM, 120.7 valid
// and 114.5 test (13 epochs, about an hour on a GPU then).
const KN5_PUBLISHED: Published = { test: 141.2, source: 'Mikolov et al. 2011' };
const ZAREMBA_SMALL: Published = { valid: 120.7, test: 114.5, source: 'Zaremba et al. 2014, small' };

export const STAGES: readonly Stage[] = [
  { id: 'kn3', label: 'KN 3-gram', kind: 'ngram', order: 3 },
  { id: 'kn5', label: 'KN 5-gram', kind: 'ngram', order: 5, published: KN5_PUBLISHED },
  // The 5-gram window model at Zaremba's lr 1 (summed loss) was at valid perplexity 557 after
  // 120 steps on a PTB slice, against 452 at lr 0.1 (measured); it has no state to diagnose.
  { id: 'window', label: 'fixed-window LM (Bengio et al. 2003)', kind: 'neural', model: 'window-lm.rnn', lr: 0.1 },
  // At lr 1 (summed loss) the Elman RNN blows up on PTB: valid perplexity 1.3e22 after 40
  // steps (measured), against 1127 at lr 0.1; the gated cells take Zaremba's lr 1.
  { id: 'elman', label: 'Elman RNN', kind: 'neural', model: 'word-elman.rnn', diagnose: true, lr: 0.1 },
  { id: 'gru', label: 'GRU', kind: 'neural', model: 'word-gru.rnn', diagnose: true },
  { id: 'lstm', label: 'LSTM (Zaremba small)', kind: 'neural', model: 'word-lstm.rnn', diagnose: true, published: ZAREMBA_SMALL },
  { id: 'lstm-tied', label: 'LSTM, tied embeddings', kind: 'neural', model: 'word-lstm-tied.rnn' },
  { id: 'mix', label: 'best neural + KN5 (λ tuned on valid)', kind: 'mix' },
];

/** How a neural model trains: Zaremba et al.'s small settings, as README's PTB command. */
export interface NeuralSettings {
  batch: number;
  bptt: number;
  lr: number;
  clip: number;
  initScale: number;
  /** Overrides of the model's dims (--quick shrinks the models). */
  dims: Map<string, number>;
}

export interface Plan {
  quick: boolean;
  budgetSeconds: number;
  /** Training time of each neural model, or (--quick) its steps. */
  neuralSeconds: number | null;
  neuralSteps: number | null;
  /** Validate this often during training, for the learning curves. */
  evalEvery: number;
  settings: NeuralSettings;
  diagnose: { distance: number; windows: number; warmup: number };
  /** Seconds kept for everything but neural training, as estimated. */
  reserved: number;
}

// Costs of the stages other than training, measured on PTB on a 2-core machine (n-grams:
// ~5–14 s each; evaluating a model on valid and test; a diagnosis; the one-stream mix).
const NGRAM_SECONDS = 20;
const EVAL_SECONDS = 12;
/** One diagnosis of 4 windows of 51 steps (README: ~16 s for 8 on the LSTM). */
const DIAGNOSE_SECONDS_PER_4 = 10;
const MIX_SECONDS = 60;
/** Below this, a neural model learns too little to be worth a row. */
export const MIN_NEURAL_SECONDS = 30;
// Zaremba small on this machine: ~13 steps/s of 20 × 20 tokens (README: 172 s per epoch).
const STEPS_PER_SECOND = 12;

export const neuralStages = (): Stage[] => STAGES.filter((s) => s.kind === 'neural');

/** The budget divided: fixed costs first, then equal training time for each neural model (the comparison is at equal time). */
export function plan(budgetSeconds: number, quick: boolean): Plan {
  const neural = neuralStages();
  const diagnosed = neural.filter((s) => s.diagnose).length;
  const zaremba = { batch: 20, bptt: 20, lr: 1, clip: 5, initScale: 0.1 };
  if (quick) {
    return {
      quick,
      budgetSeconds,
      neuralSeconds: null,
      neuralSteps: 40,
      evalEvery: 20,
      settings: { ...zaremba, dims: new Map([['embed', 32], ['hidden', 32]]) },
      diagnose: { distance: 12, windows: 2, warmup: 8 },
      reserved: 0,
    };
  }
  const windows = budgetSeconds >= 30 * 60 ? 8 : 4;
  const reserved = 2 * NGRAM_SECONDS + neural.length * EVAL_SECONDS + 2 * diagnosed * DIAGNOSE_SECONDS_PER_4 * (windows / 4) + MIX_SECONDS;
  const need = reserved + neural.length * MIN_NEURAL_SECONDS;
  if (budgetSeconds < need) throw new RangeError(`a budget of ${fmtMinutes(budgetSeconds)} is too small: the n-grams, evaluations and diagnoses take about ${fmtMinutes(reserved)} and each of the ${neural.length} neural models needs at least ${MIN_NEURAL_SECONDS} s of training (give --budget ${Math.ceil(need / 60)}m or more, or --quick)`);
  const neuralSeconds = Math.floor((budgetSeconds - reserved) / neural.length);
  // About four validations per run, at least 200 steps apart (each costs seconds on PTB valid).
  const evalEvery = Math.max(200, Math.round((neuralSeconds * STEPS_PER_SECOND) / 4));
  return { quick, budgetSeconds, neuralSeconds, neuralSteps: null, evalEvery, settings: { ...zaremba, dims: new Map() }, diagnose: { distance: 50, windows, warmup: 32 }, reserved };
}

export function fmtMinutes(seconds: number): string {
  return seconds >= 90 ? `${(seconds / 60).toFixed(1)} min` : seconds >= 10 ? `${Math.round(seconds)} s` : `${seconds.toFixed(1)} s`;
}

/** "60m", "90s", "1h", "45" (minutes) → seconds. */
export function parseBudget(v: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(h|m|min|s)?\s*$/.exec(v);
  if (!m) throw new RangeError(`expected a duration like 60m, 1h or 300s, got "${v}"`);
  const n = Number(m[1]);
  const unit = m[2] ?? 'm';
  const s = unit === 'h' ? n * 3600 : unit === 's' ? n : n * 60;
  if (!(s > 0)) throw new RangeError(`expected a positive duration, got "${v}"`);
  return s;
}

/**
 * The training time of the next neural model, re-planned from what is left: the seconds
 * remaining, the neural models still to train (this one included), and each one's cost
 * besides training (evaluation, diagnosis, saving) as measured so far — a loaded machine
 * makes those slower than planned, and the budget should hold anyway. Never below the
 * minimum that gives a row.
 */
export function rebudget(left: number, neuralLeft: number, overheadEach: number): number {
  return Math.max(MIN_NEURAL_SECONDS, Math.floor((left - MIX_SECONDS - neuralLeft * overheadEach) / neuralLeft));
}

/** The planned cost of a neural stage besides training, until one is measured. */
export function plannedOverhead(p: Plan, diagnosed: boolean): number {
  return EVAL_SECONDS + (diagnosed ? 2 * DIAGNOSE_SECONDS_PER_4 * (p.diagnose.windows / 4) : 0);
}
