// The TypeScript declarations of a standalone module (the same for ESM and CommonJS: named
// exports only), with the model's names and sizes in the comments.
import { commentText } from '../codegen/names.ts';
import type { LanguageModel } from '../runtime/model.ts';

export function declarations(model: LanguageModel, o: { external: boolean }): string {
  const states = model.layout.states.map((s) => `${commentText(s.name, 40)} [${s.size}]`).join(', ');
  const text = model.vocab !== null;
  return `// ${commentText(model.name, 60)}, exported by rnnc: vocabulary ${model.layout.vocab}${text ? ` (${model.vocab!.kind})` : ', token ids only'}.

/** The recurrent state of one sequence: ${states}. */
export type State = Float32Array[];

export interface InitOptions {
  /** A .safetensors file of the model's weights (keyed by parameter name): a path (Node), a URL, or its bytes.${o.external ? ' Required: this module was exported with --weights external.' : ' Default: the weights inlined in the module.'} */
  weights?: string | URL | ArrayBuffer | ArrayBufferView;
  /** Matrix products on WebAssembly SIMD ('wasm'), plain JavaScript ('js'), or the first the engine runs ('auto', the default). */
  kernels?: 'auto' | 'wasm' | 'js';
}

export interface ModelInfo {
  name: string;
  vocabSize: number;
  /** The tokens by id (null without a vocabulary). */
  vocab: string[] | null;
  kind: 'char' | 'word' | null;
  params: { name: string; shape: number[] }[];
  states: { name: string; size: number }[];
  /** Which kernels run the products ('wasm-simd128' or 'js'), null before init. */
  kernels: string | null;
}

export interface StepResult {
  /** ln p(next token = i) for every id i (float64, from the float32 logits). */
  logProbs: Float64Array;
  /** The state after reading the token (a new one: the state passed in is not changed). */
  state: State;
}

export interface ScoreResult {
  /** The tokens of the text (words, or characters). */
  tokens: string[];
  ids: number[];
  /** ln p(token i | tokens before it); null for the first token, which nothing predicts. */
  logProbs: (number | null)[];
  /** exp(−mean ln p) over the predicted tokens: rnnc eval's perplexity at --batch 1. */
  perplexity: number;
}

export interface SampleOptions {
  /** Text (or token ids) that primes the state; default: a newline (char models) or <eos> (word models). */
  prompt?: string | ArrayLike<number>;
  /** Tokens to generate (default 200). */
  length?: number;
  /** > 0, default 1; 0 is greedy. */
  temperature?: number;
  topK?: number;
  topP?: number;
  /** The seed of the sampling stream (default 0): the same as rnnc sample --seed. */
  seed?: number;
  greedy?: boolean;
  /** Word models: stop after <eos>. */
  untilEos?: boolean;
}

/** Loads the weights and compiles the kernels (WebAssembly compiled off the main thread where the engine can). */
export function init(options?: InitOptions): Promise<ModelInfo>;
/** The same synchronously (weights as bytes, or a file path in Node).${o.external ? '' : ' Called by the first use when init was not.'} */
export function initSync(options?: InitOptions): ModelInfo;
export function info(): ModelInfo;
/** Token ids of a text (a character not in the vocabulary is an error; an unknown word is <unk>). */
export function encode(text: string): number[];
export function decode(ids: ArrayLike<number>): string;
/** The zero state a sequence starts from. */
export function initialState(): State;
/** Reads one token (an id, or a token of the vocabulary) from a state (default: the initial one). */
export function step(token: number | string, state?: State): StepResult;
/** The log-probability of every token of a text (or ids) given all before it. */
export function score(text: string | ArrayLike<number>): ScoreResult;
export function sample(options?: SampleOptions): { ids: number[]; text: string | null };
`;
}
