// relu and leaky_relu have a kink at 0 (the op registry lists each op's kinks): a
// finite-difference stencil whose points fall on both sides of one measures a slope that is
// neither side's, although the analytic gradient is right. The loss is evaluated here
// together with the side of the kinks every such input is on, so the gradient check can
// tell when a stencil crossed one (and shrink its step or redraw).
import { interpret } from '../graph/interpret.ts';
import type { GradGraph } from '../autodiff/grad.ts';
import type { BatchWindow } from '../autodiff/reference.ts';
import { OPS, opDef } from '../graph/ops/index.ts';

export const KINK_OPS: ReadonlySet<string> = new Set(Object.values(OPS).filter((d) => d.kinks?.length).map((d) => d.name));

export interface Probe {
  loss: number;
  /** Per example, per kinked node, per element: how many of the op's kinks its input is above. */
  sides: Uint8Array;
}

interface Kink {
  op: string;
  input: number;
  size: number;
  at: readonly number[];
}

export interface KinkProbe {
  /** The kinked ops of the graph (empty: every probe is just the loss). */
  ops: string[];
  at(w: BatchWindow): Probe;
  /** The ops whose inputs are on different sides in two probes (empty: no kink crossed). */
  crossed(a: Probe, b: Probe): string[];
}

export function kinkProbe(g: GradGraph): KinkProbe {
  const kinks: Kink[] = [];
  for (const n of g.nodes.slice(0, g.forwardCount)) {
    if (KINK_OPS.has(n.op)) kinks.push({ op: n.op, input: n.inputs[0], size: g.nodes[n.inputs[0]].shape.reduce((a, b) => a * b, 1), at: opDef(n.op)!.kinks! });
  }
  const perExample = kinks.reduce((s, k) => s + k.size, 0);
  return {
    ops: [...new Set(kinks.map((k) => k.op))],
    at(w) {
      const B = w.tokens.length;
      const sides = new Uint8Array(perExample * B);
      let loss = 0;
      let o = 0;
      for (let ex = 0; ex < B; ex++) {
        const vals = interpret(g, { params: w.params, tokens: w.tokens[ex], initialStates: w.initialStates?.[ex], maskSeed: w.maskSeed, example: ex }, g.forwardCount);
        loss += vals[g.objective ?? g.loss][0] / B; // what the gradients are of (penalties included)
        for (const k of kinks) {
          const x = vals[k.input];
          for (let i = 0; i < k.size; i++) sides[o++] = k.at.reduce((s, at) => s + (x[i] > at ? 1 : 0), 0);
        }
      }
      return { loss, sides };
    },
    crossed(a, b) {
      const out = new Set<string>();
      let o = 0;
      while (o < a.sides.length) {
        for (const k of kinks) {
          for (let i = 0; i < k.size; i++, o++) if (a.sides[o] !== b.sides[o]) out.add(k.op);
        }
      }
      return [...out];
    },
  };
}
