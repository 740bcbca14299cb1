// The float64 reference interpreter: plain loops over the unrolled graph, one example at
// a time. It is slow on purpose and obviously correct: the oracle for generated code.
import { adaptiveLogProbs, adaptiveLogProbsVjp, adaptiveLoss, adaptiveLossVjp } from './adaptive.ts';
import { opDef } from './ops/index.ts';
import type { GNode, Graph } from './types.ts';

export interface Window {
  /** Parameter values by IR name. */
  params: ReadonlyMap<string, Float64Array>;
  /** One example: T + 1 token ids; step t reads token t and predicts token t + 1. */
  tokens: readonly number[];
  /**
   * The tokens of the stream before the window, the most recent last, for offset lookups
   * (`E[token@-2]`); a position before the stream's start (absent here) reads the pad: a zero row.
   */
  history?: readonly number[];
  /** Initial state values by state name (zeros when absent). */
  initialStates?: ReadonlyMap<string, Float64Array>;
  /** Seed of the dropout masks (the same seed gives the same masks). */
  maskSeed?: number;
  /** Which example of the batch this is: masks differ per example. */
  example?: number;
}

/** The token before a stream's start: its embedding is the zero vector (and it gets no gradient). */
export const PAD = -1;

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** A small, fast, seedable PRNG (mulberry32) so masks are reproducible. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of one dropout mask: one per (window seed, mask, step, example). */
export function maskSeed(seed: number, index: number, t: number, example: number): number {
  let h = Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15), 0xc2b2ae35) ^ Math.imul(t + 1, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 13), 0x165667b1) ^ Math.imul(example + 1, 0x61c88647);
  return (h ^ (h >>> 16)) | 0;
}

/** The step a locked mask is seeded with at every step (real steps are >= 0), so all steps share it. */
export const LOCKED_T = -1;

/** Whether embedding_dropout keeps row `row` of the table this window: one draw per (seed, mask, row), shared by all streams and steps. */
export function rowKept(seed: number, index: number, row: number, p: number): boolean {
  return !(mulberry32(maskSeed(seed, index, -2, row))() < p);
}

export function logSumExp(x: Float64Array): number {
  let max = -Infinity;
  for (const v of x) if (v > max) max = v;
  if (max === -Infinity) return -Infinity;
  let s = 0;
  for (const v of x) s += Math.exp(v - max);
  return max + Math.log(s);
}

/** Evaluates the nodes of `g` below `upTo` (all of them, forward and backward, by default) for one example. */
export function interpret(g: Graph, w: Window, upTo = g.nodes.length): Float64Array[] {
  const vals: Float64Array[] = new Array(upTo);
  const position = (n: GNode): number => (n.attrs.target === 'next' ? n.t! + 1 : n.t!) + (n.attrs.offset ?? 0);
  // Only a position before the window (in the history, or before the stream) may be the pad.
  const isPad = (n: GNode): boolean => position(n) < 0 && vocabRow(n) === PAD;
  const vocabRow = (n: GNode): number => {
    const idx = position(n);
    if (idx < 0) return w.history?.[w.history.length + idx] ?? PAD;
    const tok = w.tokens[idx];
    if (tok === undefined) throw new Error(`window has no token at position ${idx}`);
    return tok;
  };
  /** An element-wise op of the registry, entry by entry; a scalar operand (length 1, shape []) broadcasts over the other. */
  const elementwise = (n: GNode, f: (a: number, b: number, attrs: GNode['attrs']) => number): Float64Array => {
    const len = size(n.shape);
    const out = new Float64Array(len);
    const [a, b] = n.inputs.map((i) => vals[i]);
    const sa = g.nodes[n.inputs[0]].shape.length === 0;
    const sb = n.inputs.length > 1 && g.nodes[n.inputs[1]].shape.length === 0;
    for (let i = 0; i < len; i++) out[i] = f(sa ? a[0] : a[i], b === undefined ? 0 : sb ? b[0] : b[i], n.attrs);
    return out;
  };

  for (let id = 0; id < upTo; id++) {
    const n = g.nodes[id];
    const len = size(n.shape);
    const inp = n.inputs.map((i) => vals[i]);
    let out: Float64Array;
    switch (n.op) {
      case 'param': {
        const v = w.params.get(n.attrs.name!);
        if (!v) throw new Error(`no value for param ${n.attrs.name}`);
        if (v.length !== len) throw new Error(`param ${n.attrs.name} has ${v.length} values, expected ${len}`);
        out = v as Float64Array;
        break;
      }
      case 'seed':
        throw new Error('seed nodes are inputs of generated step code; the interpreter runs unrolled graphs');
      case 'state0':
        out = w.initialStates?.get(n.attrs.name!) ?? new Float64Array(len);
        break;
      case 'const':
        out = Float64Array.of(n.attrs.value!);
        break;
      case 'mask': {
        const p = n.attrs.p!;
        out = new Float64Array(len);
        if (n.attrs.mode === 'rows') {
          out.fill(rowKept(w.maskSeed ?? 0, n.attrs.index ?? 0, vocabRow(n), p) ? 1 / (1 - p) : 0);
          break;
        }
        const rnd = mulberry32(maskSeed(w.maskSeed ?? 0, n.attrs.index ?? 0, n.attrs.mode === 'locked' ? LOCKED_T : (n.t ?? 0), w.example ?? 0));
        for (let i = 0; i < len; i++) out[i] = rnd() < p ? 0 : 1 / (1 - p);
        break;
      }
      case 'gather': {
        const d = n.shape[0];
        const row = vocabRow(n);
        const rows = g.nodes[n.inputs[0]].shape[0];
        if (isPad(n)) {
          out = new Float64Array(d);
          break;
        }
        if (!(row >= 0 && row < rows)) throw new Error(`token ${row} is outside the vocabulary [0, ${rows})`);
        out = inp[0].slice(row * d, row * d + d);
        break;
      }
      case 'cross_entropy': {
        const target = vocabRow(n);
        const logits = inp[0];
        if (isPad(n)) {
          out = Float64Array.of(0); // a target before the stream's start: nothing to predict
          break;
        }
        if (!(target >= 0 && target < logits.length)) throw new Error(`token ${target} is outside the vocabulary [0, ${logits.length})`);
        out = Float64Array.of(logSumExp(logits) - logits[target]);
        break;
      }
      case 'mean': {
        let s = 0;
        for (const v of inp) s += v[0];
        out = Float64Array.of(s / inp.length);
        break;
      }
      case 'sumsq': {
        let s = 0;
        for (const v of inp[0]) s += v * v;
        out = Float64Array.of(s);
        break;
      }
      case 'sum': {
        let s = 0;
        for (const v of inp[0]) s += v;
        out = Float64Array.of(s);
        break;
      }
      case 'scatter_row': {
        const d = n.shape[1];
        const row = vocabRow(n);
        out = new Float64Array(len);
        if (!isPad(n)) out.set(inp[0], row * d);
        break;
      }
      case 'slice':
        out = inp[0].slice(n.attrs.start!, n.attrs.start! + len);
        break;
      case 'xent_grad': {
        const logits = inp[0];
        const gr = inp[1][0];
        const lse = logSumExp(logits);
        out = new Float64Array(len);
        if (isPad(n)) break;
        for (let i = 0; i < len; i++) out[i] = gr * Math.exp(logits[i] - lse);
        out[vocabRow(n)] -= gr;
        break;
      }
      case 'adaptive_logprobs':
        out = adaptiveLogProbs(inp[0], inp[1], n.attrs.cutoffs!);
        break;
      case 'adaptive_logprobs_grad': {
        const { dz, du } = adaptiveLogProbsVjp(inp[0], inp[1], inp[2], n.attrs.cutoffs!);
        out = n.attrs.part === 0 ? dz : du;
        break;
      }
      case 'adaptive_xent':
      case 'adaptive_xent_grad': {
        // Plainly: the whole output layer z = W·h + b, then the loss or its gradients from z.
        const [W, h, u] = inp;
        const withBias = n.inputs.length === (n.op === 'adaptive_xent' ? 4 : 5);
        const d = h.length;
        const V = W.length / d;
        const z = new Float64Array(V);
        for (let i = 0; i < V; i++) {
          let s = withBias ? inp[3][i] : 0;
          for (let j = 0; j < d; j++) s += W[i * d + j] * h[j];
          z[i] = s;
        }
        const y = vocabRow(n);
        if (isPad(n)) {
          out = new Float64Array(len); // nothing to predict before the stream's start
          break;
        }
        if (!(y >= 0 && y < V)) throw new Error(`token ${y} is outside the vocabulary [0, ${V})`);
        if (n.op === 'adaptive_xent') {
          out = Float64Array.of(adaptiveLoss(z, u, n.attrs.cutoffs!, y));
          break;
        }
        const { dz, du } = adaptiveLossVjp(z, u, n.attrs.cutoffs!, y, inp[inp.length - 1][0]);
        out = new Float64Array(len);
        if (n.attrs.part === 0) for (let i = 0; i < V; i++) for (let j = 0; j < d; j++) out[i * d + j] = dz[i] * h[j];
        else if (n.attrs.part === 1) for (let i = 0; i < V; i++) for (let j = 0; j < d; j++) out[j] += W[i * d + j] * dz[i];
        else out = n.attrs.part === 2 ? du : dz;
        break;
      }
      default: {
        const def = opDef(n.op);
        if (def?.ref) out = elementwise(n, def.ref);
        else if (def?.evaluate) out = def.evaluate(inp, n.inputs.map((i) => g.nodes[i].shape), n.shape);
        else throw new Error(`the interpreter has no meaning for op '${n.op}'`);
      }
    }
    vals[n.id] = out;
  }
  return vals;
}
