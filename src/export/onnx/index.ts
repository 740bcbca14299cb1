// rnnc model → ONNX: the recurrence as Scan loops whose bodies are the step graph, every op
// lowered by its entry in the op registry (graph/ops/). Inputs: tokens [T, B] (int64) and
// each state's initial value [B, …]; outputs: log-probabilities [T, B, vocab] and each
// state's final value. Weights are initializers under rnnc's names; dropout is the
// identity (the graph is the inference graph). What cannot be exported is refused with
// a diagnostic located in the model's source.
import type { IRModel } from '../../ir/types.ts';
import { unroll } from '../../graph/unroll.ts';
import type { StateInfo } from '../../graph/types.ts';
import { error, type Diagnostic } from '../../util/diagnostic.ts';
import { FLOAT, INT64, encodeModel, floatTensor, graph, valueInfo } from './proto.ts';
import { Unexportable, batchedNodes, groupsOf, lowerGroup, type StepModel } from './scan.ts';

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
  if (g.stepLosses.length !== 1) throw new Unexportable(`model ${ir.name} has ${g.stepLosses.length} losses; the export writes the log-probabilities of one`, null);
  const groups = groupsOf(g);
  const groupOfSeg = new Map<number, number>();
  groups.forEach((gr, k) => gr.segs.forEach((s) => groupOfSeg.set(s, k)));
  const groupOf = (id: number): number => (g.nodes[id].seg == null ? -1 : groupOfSeg.get(g.nodes[id].seg!)!);
  const logits = g.nodes[g.stepLosses[0]].inputs[0];
  const batched = batchedNodes(g, logits);

  // A value read by a later sweep leaves its own as a [T, B, …] sequence.
  const sequences = new Map<number, string>();
  const seen = new Set<number>();
  const stack = [logits, ...g.states.map((s) => s.final)];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const i of g.nodes[id].inputs) {
      if (batched[i] && groupOf(i) !== groupOf(id)) sequences.set(i, `${g.nodes[i].label || g.nodes[i].op}${i}[t]`);
      stack.push(i);
    }
  }

  const m: StepModel = {
    g, batched, groups, groupOf, sequences, logits,
    logProbs: onnxNames.logProbs,
    tokens: onnxNames.tokens,
    stateIn: (s: StateInfo) => onnxNames.stateIn(s.name),
    stateOut: (s: StateInfo) => onnxNames.stateOut(s.name),
  };
  const scans = groups.map((_, k) => lowerGroup(m, k));

  const initializers = ir.params.map((p) => {
    const w = weights.get(p.name);
    const shape = g.nodes[g.params.get(p.name)!].shape;
    const size = shape.reduce((a, b) => a * b, 1);
    if (!w || w.length !== size) throw new Error(`no weights of ${size} values for param ${p.name}`);
    return floatTensor(p.name, shape, w);
  });
  const vocab = g.nodes[logits].shape;
  const main = graph({
    name: ir.name,
    nodes: scans,
    inputs: [valueInfo(onnxNames.tokens, INT64, ['T', 'B']), ...g.states.map((s) => valueInfo(m.stateIn(s), FLOAT, ['B', ...s.shape]))],
    outputs: [valueInfo(onnxNames.logProbs, FLOAT, ['T', 'B', ...vocab]), ...g.states.map((s) => valueInfo(m.stateOut(s), FLOAT, ['B', ...s.shape]))],
    initializers,
    doc: `model ${ir.name} (${ir.file}): log-probabilities of the next token at each of T steps for B streams, and the states after step T - 1`,
  });
  return encodeModel(main, { producerVersion: options.producerVersion ?? '', doc: `exported by rnnc from ${ir.file}` });
}
