// A compiled language model as a typed object: its parameter arena, initialisation, weights
// in and out, evaluation, one-token steps and sampling. This is what `compile` in the public
// API returns and what the trainer and the CLI work on.
import { nextTokenRefusal } from '../ir/next-token.ts';
import { analyze, renderDiagnostics } from '../frontend.ts';
import { compileModel, type CompiledModel, type WindowRunner } from '../backend/index.ts';
import type { Layout } from '../codegen/generate.ts';
import type { IRModel } from '../ir/types.ts';
import { initParams } from './init.ts';
import { readSafetensors, writeSafetensors, type Tensor } from './safetensors.ts';
import { StreamEvaluator, type EvalResult } from './evaluate.ts';
import { Sampler, type SampleOptions } from './sample.ts';
import { Rng } from './rng.ts';
import type { Vocab } from './data/vocab.ts';
import { suggest } from '../check/suggest.ts';
import type { IRInit } from '../ir/types.ts';
import { Trainer, type TrainCallbacks, type TrainOptions, type TrainResult } from './train/trainer.ts';

/** A model file that does not compile: `message` holds every diagnostic, rendered with carets. */
export class CompileError extends Error {}

/** What a library user reaches for instead of sampling or scoring a model that does not predict the next token. */
export const LIBRARY_TOOLS = { loss: 'evaluate()', embeddings: 'its embedding table (rnnc neighbours)' };

/** A weights file or map that does not fit the model. */
export class WeightsError extends Error {}

export interface ModelCompileOptions {
  /** Dims to bind or override (`vocab` is taken from `vocab` when given). */
  dims?: Record<string, number> | ReadonlyMap<string, number>;
  /** Which model of the file (default: its only one). */
  model?: string;
  /** The vocabulary: binds dim `vocab`, and lets evaluate/sample take text. */
  vocab?: Vocab;
  /** Source texts by path, to compile without reading the disk (checkpoints keep them). */
  sources?: Record<string, string>;
}

/** Recurrent states of one sequence, in layout order (`h1.h`, `h1.c`, …). */
export type State = Float32Array[];

export interface StepResult {
  /** Next-token probabilities (softmax of the logits, float64). */
  probs: Float64Array;
  /** The raw logits (a copy). */
  logits: Float32Array;
  /** The state after reading the token. */
  state: State;
}

export interface SampleTextOptions extends SampleOptions {
  /** Text (with a vocabulary) or token ids that prime the state; default: the first token of the vocabulary's newline, else id 0. */
  prompt?: string | ArrayLike<number>;
  /** Tokens to generate (default 200). */
  length?: number;
  /** Seed of the sampling stream (default 0). */
  seed?: number;
  /** Word models: stop after generating `<eos>`. */
  untilEos?: boolean;
}

export interface SampleResult {
  /** The generated ids (the prompt not included). */
  ids: number[];
  /** Their text, when the model has a vocabulary. */
  text: string | null;
}

function toDims(d: ModelCompileOptions['dims']): Map<string, number> {
  if (!d) return new Map();
  return d instanceof Map ? new Map(d) : new Map(Object.entries(d as Record<string, number>));
}

/** Loads, checks and elaborates a model file; a CompileError lists every problem. */
export function loadIR(file: string, options: ModelCompileOptions = {}): { ir: IRModel; sources: Record<string, string> } {
  const dims = toDims(options.dims);
  if (options.vocab) dims.set('vocab', options.vocab.size);
  const given = options.sources;
  const readFile = given
    ? (p: string): string => {
        const text = given[p];
        if (text === undefined) throw Object.assign(new Error(`no such file`), { code: 'ENOENT' });
        return text;
      }
    : undefined;
  const a = analyze(file, { dims, readFile });
  if (!a.ok) throw new CompileError(renderDiagnostics(a).join('\n\n'));
  if (a.models.length === 0) throw new CompileError(`${file} defines no model (only cells: ${a.cells.map((c) => c.name).join(', ') || 'none'})`);
  let ir = a.models[0];
  if (options.model) {
    const m = a.models.find((x) => x.name === options.model);
    if (!m) throw new CompileError(`${file} has no model ${options.model} (it has ${a.models.map((x) => x.name).join(', ')})`);
    ir = m;
  } else if (a.models.length > 1) {
    throw new CompileError(`${file} defines several models (${a.models.map((x) => x.name).join(', ')}); choose one with the model option`);
  }
  const open = Object.entries(ir.dims).filter(([, v]) => v === null).map(([k]) => k);
  if (open.length) {
    const hint = open.includes('vocab') ? ' (vocab is bound from the data when you train, or from a vocabulary)' : '';
    throw new CompileError(`model ${ir.name} leaves dim${open.length > 1 ? 's' : ''} ${open.join(', ')} unbound; give ${open.map((k) => `${k}=N`).join(', ')} in dims${hint}`);
  }
  const sources: Record<string, string> = {};
  for (const [path, src] of a.sources) sources[path] = src.text;
  return { ir, sources };
}

/** Compiles a model file into a LanguageModel with float32 parameters (zeros until init or loadWeights). */
export function compile(file: string, options: ModelCompileOptions = {}): LanguageModel {
  const { ir, sources } = loadIR(file, options);
  return new LanguageModel(ir, { file, sources, vocab: options.vocab ?? null });
}

/** Index of the first NaN or infinite value, or -1. */
export function firstNonFinite(data: ArrayLike<number>): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}

export class LanguageModel {
  readonly ir: IRModel;
  /** The model file and the text of every file it uses (what a checkpoint stores). */
  readonly file: string;
  readonly sources: Record<string, string>;
  readonly vocab: Vocab | null;
  /** Training code (forward + backward, dropout on). */
  readonly training: CompiledModel;
  readonly layout: Layout;
  /** The parameter arena (float32, in the kernels' memory); named params are views of it. */
  readonly params: Float32Array;
  /** The gradient arena, same layout. */
  readonly grads: Float32Array;
  private inferenceCode: CompiledModel | null = null;
  private scoringCode: CompiledModel | null = null;
  private stepRunner: WindowRunner | null = null;
  private evaluators = new Map<string, StreamEvaluator>();

  constructor(ir: IRModel, meta: { file: string; sources: Record<string, string>; vocab: Vocab | null }) {
    this.ir = ir;
    this.file = meta.file;
    this.sources = meta.sources;
    this.vocab = meta.vocab;
    this.training = compileModel(ir, { backward: true, dropout: true });
    this.layout = this.training.layout;
    const arenas = this.training.createArenas(Float32Array);
    this.params = arenas.params as Float32Array;
    this.grads = arenas.grads as Float32Array;
    if (this.vocab && this.vocab.size !== this.layout.vocab) throw new WeightsError(`the vocabulary has ${this.vocab.size} tokens but model ${ir.name} predicts ${this.layout.vocab}`);
  }

  get name(): string {
    return this.ir.name;
  }

  /** Number of scalar parameters (a tied parameter counts once). */
  get paramCount(): number {
    return this.layout.params.reduce((s, p) => s + p.size, 0);
  }

  /** Inference code (no backward pass, no dropout), compiled on first use. */
  get inference(): CompiledModel {
    this.inferenceCode ??= compileModel(this.ir, { backward: false, dropout: false });
    return this.inferenceCode;
  }

  /**
   * Inference code that computes the loss alone (no logits), what evaluation runs: the same
   * code as `inference` except for an adaptive softmax, which then reads only its head and
   * each target's cluster instead of every word's log-probability.
   */
  get scoring(): CompiledModel {
    const adaptive = this.ir.step.some((s) => s.expr.op === 'adaptive_cross_entropy');
    this.scoringCode ??= adaptive ? compileModel(this.ir, { backward: false, dropout: false, logits: false }) : this.inference;
    return this.scoringCode;
  }

  /** Initialises every parameter from its `init` annotation; the same seed gives the same weights. */
  init(seed = 0, override?: IRInit): this {
    initParams(this.params, this.layout.params, new Map(this.ir.params.map((p) => [p.name, override ?? p.init])), seed);
    return this;
  }

  /**
   * Trains on token ids (or text, with a vocabulary) from the current parameters; returns
   * when a budget is reached. For resuming, checkpoints and Ctrl-C, use Trainer directly
   * (as `rnnc train` does).
   */
  async train(data: { train: Int32Array | string; valid?: Int32Array | string | null }, options: TrainOptions = {}, callbacks: TrainCallbacks = {}): Promise<TrainResult> {
    // async: text without a vocabulary or bad options reject the promise rather than throw.
    const ids = (x: Int32Array | string, what: string) => (typeof x === 'string' ? this.encode(x, what) : x);
    const trainer = new Trainer(this, { train: ids(data.train, 'training text'), valid: data.valid ? ids(data.valid, 'validation text') : null }, options);
    const result = await trainer.run(callbacks);
    // nt-asgd: the model ends with the averaged weights, the ones its validation scored.
    trainer.adoptEvalWeights();
    return result;
  }

  /** Views of each named parameter in the arena (writes go to the model). */
  weights(): Map<string, Float32Array> {
    return new Map(this.layout.params.map((s) => [s.name, this.params.subarray(s.offset, s.offset + s.size)]));
  }

  /** Copies weights in by IR name; every param must be present with its exact shape, every value finite. */
  loadWeights(source: string | ReadonlyMap<string, Tensor | ArrayLike<number>>, what = typeof source === 'string' ? source : 'weights'): this {
    const tensors = typeof source === 'string' ? readSafetensors(source).tensors : source;
    const problems: string[] = [];
    let nonFinite: string | null = null;
    const names = this.layout.params.map((p) => p.name);
    for (const slot of this.layout.params) {
      const t = tensors.get(slot.name);
      if (!t) {
        problems.push(`no tensor '${slot.name}' (shape [${slot.shape.join(', ')}])`);
        continue;
      }
      // A JavaScript caller can hand anything: say what was expected instead of "undefined values".
      const data = typeof t !== 'object' ? null : 'data' in t && 'shape' in t ? (t as Tensor).data : (t as ArrayLike<number>);
      if (typeof data?.length !== 'number') {
        problems.push(`tensor '${slot.name}' is neither an array of numbers nor a { shape, data } tensor`);
        continue;
      }
      if ('shape' in t && JSON.stringify((t as Tensor).shape) !== JSON.stringify(slot.shape)) {
        problems.push(`tensor '${slot.name}' has shape [${(t as Tensor).shape.join(', ')}], the model needs [${slot.shape.join(', ')}]`);
        continue;
      }
      if (data.length !== slot.size) {
        problems.push(`tensor '${slot.name}' has ${data.length} values, the model needs ${slot.size}`);
        continue;
      }
      const bad = firstNonFinite(data);
      if (bad >= 0) {
        nonFinite ??= `${what}: tensor '${slot.name}' holds ${data[bad]} at index ${bad}, so the weights are unusable (from a diverged run?)`;
        continue;
      }
      this.params.set(data, slot.offset);
    }
    for (const k of tensors.keys()) {
      if (!names.includes(k)) {
        const close = suggest(k, names);
        problems.push(`tensor '${k}' is not a param of ${this.name}${close ? ` (did you mean '${close}'?)` : ''}`);
      }
    }
    if (problems.length) throw new WeightsError(`${what} does not match model ${this.name}:\n  ${problems.join('\n  ')}`);
    if (nonFinite) throw new WeightsError(nonFinite);
    return this;
  }

  /** The parameters as float32 safetensors keyed by IR name. */
  weightTensors(): [string, Tensor][] {
    return this.layout.params.map((s) => [s.name, { dtype: 'F32', shape: s.shape, data: this.params.slice(s.offset, s.offset + s.size) }]);
  }

  /** The first parameter holding NaN or ±Infinity, with the index and value, or null. */
  nonFiniteParam(): { name: string; index: number; value: number } | null {
    for (const slot of this.layout.params) {
      const i = firstNonFinite(this.params.subarray(slot.offset, slot.offset + slot.size));
      if (i >= 0) return { name: slot.name, index: i, value: this.params[slot.offset + i] };
    }
    return null;
  }

  /** Writes the parameters to a safetensors file (atomically). */
  saveWeights(path: string, metadata: Record<string, string> = {}): void {
    writeSafetensors(path, this.weightTensors(), { model: this.name, ...metadata });
  }

  /** Token ids of text through the model's vocabulary. */
  encode(text: string, what = 'text'): Int32Array {
    if (!this.vocab) throw new Error(`model ${this.name} has no vocabulary: pass token ids, or compile it with a vocab`);
    return this.vocab.encode(text, what);
  }

  /**
   * Mean NLL, perplexity and bits per token over a stream, the state carried through it
   * (see evaluate.ts for the protocol; batch 1 scores every prediction in order).
   */
  evaluate(data: string | Int32Array, options: { batch?: number; window?: number; onProgress?: (done: number, total: number) => void } = {}): EvalResult {
    const tokens = typeof data === 'string' ? this.encode(data, 'evaluation text') : data;
    const batch = options.batch ?? 1;
    const window = options.window ?? 64;
    const key = `${batch}x${window}`;
    let ev = this.evaluators.get(key);
    if (!ev) {
      ev = new StreamEvaluator(this.scoring, this.params, Float32Array, batch, window);
      this.evaluators.set(key, ev);
    }
    return ev.evaluate(tokens, options.onProgress);
  }

  /** The zero state of one sequence. */
  initialState(): State {
    return this.layout.states.map((s) => new Float32Array(s.size));
  }

  private runner(): WindowRunner {
    this.stepRunner ??= this.inference.instantiate({ Float: Float32Array, B: 1, T: 1, params: this.params, grads: null });
    return this.stepRunner;
  }

  private readonly pair = new Int32Array(2);

  /** Reads `token` from `state` in place; returns the logits of the next token (a live view). */
  private advance(token: number, state: State): Float32Array {
    const r = this.runner();
    r.initial.forEach((s, k) => s.set(state[k]));
    this.pair[0] = token;
    this.pair[1] = 0;
    r.run(this.pair, { loss: false, backward: false, carry: true });
    r.initial.forEach((s, k) => state[k].set(s));
    return r.logits(0) as Float32Array;
  }

  /** One step at batch 1: the next-token distribution after `token`, and the new state. */
  step(token: number, state: State = this.initialState()): StepResult {
    const next = state.map((s) => s.slice());
    const logits = this.advance(token, next).slice();
    let max = -Infinity;
    for (const v of logits) max = Math.max(max, v);
    const probs = new Float64Array(logits.length);
    let sum = 0;
    for (let i = 0; i < logits.length; i++) sum += probs[i] = Math.exp(logits[i] - max);
    for (let i = 0; i < probs.length; i++) probs[i] /= sum;
    return { probs, logits, state: next };
  }

  /**
   * Repeated sampling: the prompt primes the state, then each sampled token is fed back in.
   * Deterministic for a given seed (and always for greedy).
   */
  sample(options: SampleTextOptions = {}): SampleResult {
    // CBOW's and skip-gram's logits are no next-token distribution: sampling them is meaningless.
    const refused = nextTokenRefusal(this.ir, 'sample text', LIBRARY_TOOLS);
    if (refused) throw new CompileError(refused);
    const length = options.length ?? 200;
    if (!(Number.isInteger(length) && length >= 0)) throw new RangeError(`length must be a non-negative integer (got ${length})`);
    let prompt: ArrayLike<number>;
    if (typeof options.prompt === 'string') prompt = options.prompt === '' ? [] : this.encode(options.prompt, 'prompt');
    else prompt = options.prompt ?? [];
    if (prompt.length === 0) prompt = [this.defaultStart()];
    for (let i = 0; i < prompt.length; i++) {
      const t = prompt[i];
      if (!(Number.isInteger(t) && t >= 0 && t < this.layout.vocab)) throw new RangeError(`prompt token ${t} is outside the vocabulary [0, ${this.layout.vocab})`);
    }
    const rng = new Rng(options.seed ?? 0);
    const sampler = new Sampler(this.layout.vocab);
    const state = this.initialState();
    let logits: Float32Array = new Float32Array(0);
    for (let i = 0; i < prompt.length; i++) logits = this.advance(prompt[i], state);
    const ids: number[] = [];
    for (let i = 0; i < length; i++) {
      const id = sampler.sample(logits, options, rng);
      ids.push(id);
      if (options.untilEos && this.vocab && id === this.vocab.eos) break;
      if (i + 1 < length) logits = this.advance(id, state);
    }
    return { ids, text: this.vocab ? this.vocab.decode(ids) : null };
  }

  /** Where sampling starts without a prompt: a newline (char) or `<eos>` (word), else id 0. */
  private defaultStart(): number {
    if (!this.vocab) return 0;
    if (this.vocab.kind === 'word') return this.vocab.eos;
    const nl = this.vocab.index('\n');
    return nl >= 0 ? nl : 0;
  }
}
