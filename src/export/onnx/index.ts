// rnnc model → ONNX: the recurrence as Scan loops whose bodies are the step graph's
// recurrent part, what does not depend on a state computed once over all T·B positions
// (as rnnc hoists it), every op lowered by its entry in the op registry (graph/ops/). Inputs: tokens [T, B] (int64) and
// each state's initial value [B, …]; outputs: log-probabilities [T, B, vocab] and each
// state's final value. Weights are initializers under rnnc's names; dropout is the
// identity (the graph is the inference graph). What cannot be exported is refused with
// a diagnostic located in the model's source.
// A model with token history (`E[token@-k]`; CBOW and skip-gram, which look ahead and so
// run A steps late, as rnnc runs them: graph/unroll.ts) has one more state, `token@history`
// [B, H] int64: the last H tokens before the window as id + 1, 0 for the pad before a
// stream's start (history.ts). Step t's log-probabilities are those of rnnc's step t: the
// next token for a language model; for a model A steps late, the centre word t − A given
// its context (CBOW), or the one softmax of each context word of centre t − A (skip-gram).
import type { IRModel } from '../../ir/types.ts';
import { contextLoss, lookaheadOf, unroll } from '../../graph/unroll.ts';
import { historyLength } from '../../codegen/history.ts';
import type { StateInfo } from '../../graph/types.ts';
import { error, type Diagnostic } from '../../util/diagnostic.ts';
import { encodeModel, floatTensor, graph, node, valueInfo, type NodeProto } from './proto.ts';
import { batchedNodes, groupsOf, loopGroups, scanOutputs } from './phases.ts';
import { lowerGroup, type ScanContext } from './scan.ts';
import { stage, Unexportable, type Stage, type StageSpec } from './stage.ts';
import { historyNames, lowerHistory } from './history.ts';
import { stepLoss } from '../step-loss.ts';

export { OPSET } from './proto.ts';

/** An export refused: `diagnostic` says where in the model, and why. */
export class OnnxExportError extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

export interface OnnxExportInput {
  ir: IRModel;
  /** Parameter values by IR name (`h1.W_i`), as LanguageModel.weights() returns them. */
  weights: ReadonlyMap<string, Float32Array>;
}

export interface OnnxExportOptions {
  /** Written into the model's producer_version. */
  producerVersion?: string;
}

/** The names of the exported graph's inputs and outputs. */
export const onnxNames = {
  tokens: 'tokens',
  logProbs: 'log_probs',
  stateIn: (state: string): string => state,
  stateOut: (state: string): string => `${state}'`,
};

/** The ONNX model's bytes, or an OnnxExportError located in the model. */
export function exportOnnx(model: OnnxExportInput, options: OnnxExportOptions = {}): Uint8Array {
  try {
    return build(model, options);
  } catch (e) {
    if (e instanceof Unexportable) throw new OnnxExportError(error('onnx-export', e.span, `cannot export to ONNX: ${e.message}`, e.hint));
    throw e;
  }
}

function build({ ir, weights }: OnnxExportInput, options: OnnxExportOptions): Uint8Array {
  const g = unroll(ir, 1, { training: false });
  const { logits } = stepLoss(g);
  const H = historyLength(g.nodes);
  const batched = batchedNodes(g, logits);
  const groups = groupsOf(g);
  const loop = loopGroups(g, groups);
  const sequences = scanOutputs(g, loop, [logits, ...g.states.map((s) => s.final)]);

  // The main graph: hoisted values over all T·B positions, and the Scans in sweep order.
  const nodes: NodeProto[] = [];
  let flatTokens: string | null = null;
  const spec: StageSpec = {
    g,
    batched,
    prefix: 'all/',
    nodes,
    tokens: () => (flatTokens ??= flat.b.node('Reshape', [onnxNames.tokens, flat.b.ints([-1])])),
    // A recurrent value, from its Scan's [T, B, …] output.
    outside: (id) => (loop[id] >= 0 ? flat.b.node('Reshape', [sequences.get(id)!, flat.b.ints([-1, ...g.nodes[id].shape])]) : null),
  };
  const flat: Stage = stage(spec);
  if (H) spec.history = lowerHistory(flat.b, H, onnxNames.tokens, (last) => nodes.push(node('Identity', [last], [historyNames.output])));
  const ctx: ScanContext = {
    g, batched, groups, loop, sequences, flat,
    tokens: onnxNames.tokens,
    stateIn: (s: StateInfo) => onnxNames.stateIn(s.name),
    stateOut: (s: StateInfo) => onnxNames.stateOut(s.name),
  };
  groups.forEach((_, k) => {
    if (g.states.some((s) => loop[s.initial] === k)) nodes.push(lowerGroup(ctx, k));
  });
  const V = g.nodes[logits].shape;
  const logProbs = flat.b.node('LogSoftmax', [flat.valueOf(logits).name], { axis: -1 });
  const shape = flat.b.node('Concat', [flat.b.node('Shape', [onnxNames.tokens]), flat.b.ints(V)], { axis: 0 });
  nodes.push(node('Identity', [flat.b.node('Reshape', [logProbs, shape])], [onnxNames.logProbs]));

  const initializers = ir.params.map((p) => {
    const w = weights.get(p.name);
    const pshape = g.nodes[g.params.get(p.name)!].shape;
    const size = pshape.reduce((a, b) => a * b, 1);
    if (!w || w.length !== size) throw new Error(`no weights of ${size} values for param ${p.name}`);
    return floatTensor(p.name, pshape, w);
  });
  const main = graph({
    name: ir.name,
    nodes,
    inputs: [
      valueInfo(onnxNames.tokens, 'int64', ['T', 'B']),
      ...g.states.map((s) => valueInfo(ctx.stateIn(s), 'float', ['B', ...s.shape])),
      ...(H ? [valueInfo(historyNames.input, 'int64', ['B', H])] : []),
    ],
    outputs: [
      valueInfo(onnxNames.logProbs, 'float', ['T', 'B', ...V]),
      ...g.states.map((s) => valueInfo(ctx.stateOut(s), 'float', ['B', ...s.shape])),
      ...(H ? [valueInfo(historyNames.output, 'int64', ['B', H])] : []),
    ],
    initializers,
    doc: `model ${ir.name} (${ir.file}): log-probabilities ${delayed(ir)} at each of T steps for B streams, and the states after step T - 1${H ? `; ${historyNames.input}: the last ${H} tokens before the window as id + 1 (0: before the stream's start)` : ''}`,
  });
  return encodeModel(main, { producerVersion: options.producerVersion ?? '', doc: `exported by rnnc from ${ir.file}` });
}

/** What step t's log-probabilities are of (the doc string). */
function delayed(ir: IRModel): string {
  const A = lookaheadOf(ir);
  if (!A) return 'of the next token';
  return `${contextLoss(ir) ? `of each context word of the centre word t - ${A}` : `of the centre word t - ${A} given its context`} (the model runs ${A} steps late)`;
}
