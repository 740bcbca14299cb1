// The adaptive softmax's nodes as JavaScript: the dense log-probabilities (inference), the
// training loss fused with its output layer, and its gradient: one kernel call that writes
// every part's gradient (dW and db straight into the arena), printed where the first part runs.
import type { GNode } from '../graph/types.ts';
import { adaptiveStashWidth } from './adaptive-support.ts';
import { commentText, compilerTemp } from './names.ts';
import type { Plan } from './plan.ts';
import type { Printer } from './print-context.ts';
import type { Mode } from './schedule.ts';

/** The buffer the loss keeps for its gradient (the fast path's softmaxes), named after the h it reads. */
export function adaptiveStash(n: GNode): string {
  return compilerTemp(`adaptiveStash${n.inputs[1]}`);
}

/** The stash's declaration, for each fused adaptive loss of a training plan. */
export function adaptiveStashDecls(plan: Plan): string[] {
  const nodes = plan.g.nodes;
  return nodes
    .filter((n) => n.op === 'adaptive_xent' && plan.needed[n.id])
    .map((n) => {
      const [V, d] = nodes[n.inputs[0]].shape;
      return `const ${adaptiveStash(n)} = alloc(TB * ${adaptiveStashWidth(V, d, n.attrs.cutoffs!)}); // the adaptive softmax's probabilities, kept from the loss for its gradient`;
    });
}

/** The gradient parts of one adaptive loss that the generated code needs, by part (0: W, 1: h, 2: u, 3: b). */
function parts(plan: Plan, n: GNode): (GNode | null)[] {
  const nodes = plan.g.nodes;
  const same = (m: GNode): boolean => m.op === 'adaptive_xent_grad' && plan.needed[m.id] && m.inputs.length === n.inputs.length && m.inputs.every((x, i) => x === n.inputs[i]);
  const out: (GNode | null)[] = [null, null, null, null];
  for (const m of nodes) if (same(m)) out[m.attrs.part!] = m;
  return out;
}

export function printAdaptive(p: Printer, n: GNode, mode: Mode): void {
  const { plan } = p;
  const nodes = p.nodes;
  const r = (i: number): string => p.ref(i, mode);
  const ins = n.inputs;
  const cutoffs = `[${n.attrs.cutoffs!.join(', ')}]`;
  p.line(p.origin(n));
  if (n.op === 'adaptive_logprobs') {
    p.line(`k.adaptiveLogProbs(${r(n.id)}, ${r(ins[0])}, ${r(ins[1])}, ${n.shape[0]}, ${cutoffs}, ${p.rowsOf(mode)});`);
    return;
  }
  if (n.op === 'adaptive_logprobs_grad') throw new Error('internal: training code runs the adaptive softmax fused (adaptive_xent), not its dense gradient');
  const [V, d] = nodes[ins[0]].shape;
  const bias = n.op === 'adaptive_xent' ? (ins.length === 4 ? r(ins[3]) : 'null') : ins.length === 5 ? r(ins[3]) : 'null';
  const head = `${r(ins[0])}, ${r(ins[1])}, ${r(ins[2])}, ${bias}`;
  const tail = `${V}, ${d}, ${cutoffs}, ${p.tokens()}, ${p.pos(n)}, ${p.span(mode)}, B`;
  if (n.op === 'adaptive_xent') {
    // Run even without the loss: the gradient reads the softmaxes it keeps.
    p.line(`{ const l = k.adaptiveXent(${r(n.id)}, ${adaptiveStash(n)}, ${head}, ${tail}); if (withLoss) loss += l; }`);
    return;
  }
  const all = parts(plan, n);
  const lead = all.find((m) => m !== null)!;
  if (lead.id !== n.id) {
    p.line(`// (computed with the adaptive softmax's other gradients above)`);
    return;
  }
  const g = ins[ins.length - 1];
  // dW and db go into the arena; dh and du into their buffers.
  const grad = (k: number): string => {
    const m = all[k];
    if (!m) return 'null';
    const acc = plan.accumulate.get(m.id)?.find((a) => a.how === 'kernel');
    return acc ? plan.paramName.get(acc.param)!.grad : r(m.id);
  };
  p.line(`k.adaptiveXentGrad(${adaptiveStash(n)}, ${head}, ${r(g)}, ${p.isBatched(g)}, ${grad(0)}, ${grad(1)}, ${grad(2)}, ${grad(3)}, ${tail}); // dW, dh, du, db`);
  // A part that is also a param's gradient term as it is (du of the cluster bias c in C @ h + c): added in once computed.
  for (const m of all) {
    for (const a of (m && plan.accumulate.get(m.id)) || []) {
      if (a.how === 'kernel') continue;
      const pe = plan.paramName.get(a.param)!;
      p.line(`k.accBatch(${pe.grad}, ${r(m!.id)}, true, ${p.rowsOf(mode)}, ${p.entries(m!.id)}); // into d ${commentText(a.param, 60)}`);
    }
  }
}
