// The one loss an exported graph writes: the step's cross-entropy, or — a loss over context
// positions (skip-gram) — the mean of one cross-entropy per position over shared logits.
// Both the ONNX and the PyTorch export read a model's logits and targets from here.
import type { GNode, Graph } from '../graph/types.ts';
import { Unexportable } from './onnx/stage.ts';

export interface StepLoss {
  /** The step's loss node (a cross_entropy, or the mean of several). */
  node: GNode;
  /** Its cross-entropies, one per target position. */
  crossEntropies: GNode[];
  /** The id of the logits they share. */
  logits: number;
}

/** The step's loss, or Unexportable when there is not exactly one, over one set of logits. */
export function stepLoss(g: Graph): StepLoss {
  if (g.stepLosses.length !== 1) throw new Unexportable(`the model has ${g.stepLosses.length} losses; the export writes the log-probabilities of one`, null);
  const node = g.nodes[g.stepLosses[0]];
  const crossEntropies = node.op === 'mean' ? node.inputs.map((i) => g.nodes[i]) : [node];
  if (crossEntropies.some((c) => c.op !== 'cross_entropy' || c.inputs[0] !== crossEntropies[0].inputs[0])) throw new Unexportable('the loss is not the cross-entropy of one set of logits', node.span);
  return { node, crossEntropies, logits: crossEntropies[0].inputs[0] };
}
