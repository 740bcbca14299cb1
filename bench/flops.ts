// FLOPs per token from the compiled graph: the matrix products of the model unrolled over one
// step (matmul: 2·m·k per column; the backward pass's outer products g ⊗ x: 2·m·k, since the
// gradient GEMM accumulates them over the batch). Embedding gathers, element-wise ops and the
// softmax are not counted — the convention of ../shared/peers (README.md there).
import type { IRModel } from '../src/ir/types.ts';
import { unroll } from '../src/graph/unroll.ts';
import { differentiate } from '../src/autodiff/grad.ts';
import type { GNode, Graph } from '../src/graph/types.ts';

function productFlops(g: Graph, nodes: GNode[]): number {
  let flops = 0;
  for (const n of nodes) {
    if (n.op === 'matmul') {
      const [m, k] = g.nodes[n.inputs[0]].shape;
      const x = g.nodes[n.inputs[1]].shape;
      flops += 2 * m * k * (x.length === 1 ? 1 : x[1]);
    } else if (n.op === 'outer') {
      flops += 2 * n.shape.reduce((a, b) => a * b, 1);
    }
  }
  return flops;
}

export interface TokenFlops {
  /** Forward matrix-product FLOPs per token. */
  forward: number;
  /** Backward matrix-product FLOPs per token, counted from the differentiated graph. */
  backward: number;
}

/** Counts the matrix products of one time step, forward and (from autodiff's graph) backward. */
export function countFlops(ir: IRModel): TokenFlops {
  const g = unroll(ir, 1, { training: false });
  const gg = differentiate(g, { seeds: true });
  return {
    forward: productFlops(gg, gg.nodes.slice(0, gg.forwardCount)),
    backward: productFlops(gg, gg.nodes.slice(gg.forwardCount)),
  };
}

/** The peers' formula (torch_charlm.py): forward 2·gates·H·(E+H) + 2·H·V for one layer. */
export function peerForwardFlops(gates: number, E: number, H: number, V: number): number {
  return 2 * gates * H * (E + H) + 2 * H * V;
}
