// One node as JavaScript: a kernel call (products, gathers, the loss and its gradient, …),
// a single element-wise loop, or a parameter-gradient term accumulated into the arena.
import type { GNode } from '../graph/types.ts';
import { commentText, compilerTemp, numberLiteral } from './names.ts';
import type { Printer } from './print-context.ts';
import { printElementwise } from './print-loops.ts';
import { printAdaptive } from './print-adaptive.ts';
import type { Instr, Mode } from './schedule.ts';
import { fusedOnly } from './schedule-runs.ts';

const lit = numberLiteral;

export function printNode(p: Printer, n: GNode, mode: Mode): void {
  const { plan } = p;
  const nodes = p.nodes;
  const id = n.id;
  const r = (i: number): string => p.ref(i, mode);
  const o = r(id);
  const B = plan.placement[id] === 'batched' ? p.rowsOf(mode) : '1';
  const ins = n.inputs;
  const inB = (i: number): string => String(p.isBatched(i));
  const comment = p.origin(n);
  const acc = plan.accumulate.get(id);
  const stmt = (code: string): void => {
    p.line(comment);
    p.line(code);
  };
  if (n.op.startsWith('adaptive_')) return printAdaptive(p, n, mode);
  if (fusedOnly(plan, id)) {
    p.line(comment);
    for (const a of acc!) {
      const pe = plan.paramName.get(a.param)!;
      if (a.how === 'outer') {
        const [m, kk] = nodes[id].shape;
        p.line(`k.accOuter(${pe.grad}, ${r(ins[0])}, ${r(ins[1])}, ${B}, ${m}, ${kk}); // into d ${commentText(a.param, 60)}`);
      } else {
        const [rows, dd] = nodes[id].shape;
        p.line(`k.accScatter(${pe.grad}, ${r(ins[0])}, ${rows}, ${dd}, ${p.tokens()}, ${p.pos(n)}, ${p.span(mode)}, B); // into d ${commentText(a.param, 60)}`);
      }
    }
    return;
  }
  switch (n.op) {
    case 'matmul': {
      if (plan.transposedMatmul.has(id)) {
        const S = nodes[ins[0]].inputs[0];
        const [rr, c] = nodes[S].shape;
        // mtvW/mvW: the matrix is a parameter, constant for the window (kernels may pack it once).
        stmt(`k.${nodes[S].op === 'param' ? 'mtvW' : 'mtv'}(${o}, ${r(S)}, ${r(ins[1])}, ${B}, ${rr}, ${c});`);
        break;
      }
      const [m, kk] = nodes[ins[0]].shape;
      const xs = nodes[ins[1]].shape;
      if (p.isBatched(id) && !p.isBatched(ins[0]) && xs.length === 1 && p.isBatched(ins[1])) stmt(`k.${nodes[ins[0]].op === 'param' ? 'mvW' : 'mv'}(${o}, ${r(ins[0])}, ${r(ins[1])}, ${B}, ${m}, ${kk});`);
      else stmt(`k.mm(${o}, ${r(ins[0])}, ${inB(ins[0])}, ${r(ins[1])}, ${inB(ins[1])}, ${B}, ${m}, ${kk}, ${xs.length === 1 ? 1 : xs[1]});`);
      break;
    }
    case 'gather': {
      const [rows, dd] = nodes[ins[0]].shape;
      stmt(`k.gather(${o}, ${r(ins[0])}, ${rows}, ${dd}, ${p.tokens()}, ${p.pos(n)}, ${p.span(mode)}, B);`);
      break;
    }
    case 'cross_entropy': {
      // Several targets (skip-gram): the step's loss is their mean.
      const m = plan.stepCEs.length;
      stmt(`if (withLoss) loss += k.xent(${o}, ${r(ins[0])}, ${p.entries(ins[0])}, ${p.tokens()}, ${p.pos(n)}, ${p.span(mode)}, B)${m > 1 ? ` / ${m}` : ''};`);
      break;
    }
    case 'xent_grad':
      stmt(`k.xentGrad(${o}, ${r(ins[0])}, ${r(ins[1])}, ${inB(ins[1])}, ${p.entries(ins[0])}, ${p.tokens()}, ${p.pos(n)}, ${p.span(mode)}, B);`);
      break;
    case 'mask':
      if (n.attrs.mode === 'rows') stmt(`k.rowMask(${o}, B, ${p.entries(id)}, ${lit(n.attrs.p!)}, seed, ${n.attrs.index ?? 0}, tokens, T1, ${p.pos(n)}, ${p.span(mode)});`);
      else stmt(`k.dropoutMask(${o}, B, ${p.entries(id)}, ${lit(n.attrs.p!)}, seed, ${n.attrs.index ?? 0}, ${p.span(mode)}${n.attrs.mode === 'locked' ? ', true' : ''});`);
      break;
    case 'transpose': {
      const [rr, c] = nodes[ins[0]].shape;
      stmt(`k.transpose(${o}, ${r(ins[0])}, ${inB(ins[0])}, ${B}, ${rr}, ${c});`);
      break;
    }
    case 'concat': {
      p.line(comment);
      let off = 0;
      for (const i of ins) {
        p.line(`k.place(${o}, ${p.entries(id)}, ${off}, ${r(i)}, ${inB(i)}, ${p.entries(i)}, ${B});`);
        off += p.entries(i);
      }
      break;
    }
    case 'slice':
      stmt(`k.slice(${o}, ${r(ins[0])}, ${inB(ins[0])}, ${p.entries(ins[0])}, ${n.attrs.start}, ${p.entries(id)}, ${B});`);
      break;
    case 'sum':
      stmt(`k.sumEach(${o}, ${r(ins[0])}, ${inB(ins[0])}, ${p.entries(ins[0])}, ${B});`);
      break;
    case 'outer': {
      const [m, kk] = n.shape;
      stmt(`k.outer(${o}, ${r(ins[0])}, ${inB(ins[0])}, ${r(ins[1])}, ${inB(ins[1])}, ${B}, ${m}, ${kk});`);
      break;
    }
    case 'scatter_row': {
      const [rows, dd] = n.shape;
      stmt(`k.scatter(${o}, ${r(ins[0])}, ${rows}, ${dd}, ${p.tokens()}, ${p.pos(n)}, ${p.span(mode)}, B);`);
      break;
    }
    default:
      p.line(comment);
      printElementwise(p, n, mode);
  }
  if (acc) {
    for (const a of acc) {
      const pe = plan.paramName.get(a.param)!;
      p.line(`k.accBatch(${pe.grad}, ${o}, ${p.isBatched(id)}, ${B}, ${p.entries(id)}); // into d ${commentText(a.param, 60)}`);
    }
  }
}

/** The scratch buffer of packed products. */
export const PACK_SCRATCH = compilerTemp('packScratch');

/** Products of one operand with matrices that lie back to back in the arena: one GEMM. */
export function printPacked(p: Printer, ins: Extract<Instr, { kind: 'packedGemm' }>): void {
  const run = ins.nodes.map((id) => p.nodes[id]);
  const [m, kk] = p.nodes[run[0].inputs[0]].shape;
  for (const n of run) p.line(p.origin(n));
  p.line(`k.mvPack(${PACK_SCRATCH}, ${ins.view}, ${p.ref(ins.operand, ins.mode)}, ${p.rowsOf(ins.mode)}, ${m}, ${kk}, [${ins.nodes.map((id) => p.ref(id, ins.mode)).join(', ')}]); // ${run.length} products, one GEMM`);
}

/** Transposed products only ever summed, their matrices side by side: one GEMM straight into their sum. */
export function printSummed(p: Printer, ins: Extract<Instr, { kind: 'summedGemm' }>): void {
  const run = ins.nodes.map((id) => p.nodes[id]);
  const [m, kk] = p.nodes[p.nodes[run[0].inputs[0]].inputs[0]].shape;
  for (const n of run) p.line(p.origin(n));
  p.line(`k.mtvPack(${PACK_SCRATCH}, ${ins.view}, [${ins.operands.map((id) => p.ref(id, ins.mode)).join(', ')}], ${p.rowsOf(ins.mode)}, ${m}, ${kk}, ${p.ref(ins.into, ins.mode)}); // the sum of ${run.length} products, one GEMM`);
}
