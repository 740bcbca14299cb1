// IR → the explicit DAG of a window of T steps. A forward layer's state at step t reads
// its update at t-1; a reversed layer's reads t+1; at the window's edge, the state0 node.
import type { Span } from '../syntax/ast.ts';
import type { IRExpr, IRModel, IRShape, IRStmt } from '../ir/types.ts';
import type { GNode, Graph, Op, Segment, StateInfo } from './types.ts';

export class GraphError extends Error {}

function concreteShape(s: IRShape, what: string): number[] {
  return s.map((d) => {
    if (typeof d !== 'number') throw new GraphError(`${what} has an unbound dim '${d}': bind it, e.g. --dims ${d}=N`);
    return d;
  });
}

export class GraphBuilder {
  readonly nodes: GNode[] = [];
  /** The segment new nodes belong to (see GNode.seg). */
  seg: number | null = null;

  add(op: Op, inputs: number[], shape: number[], attrs: GNode['attrs'] = {}, label = '', span: Span | null = null, t: number | null = null): number {
    const id = this.nodes.length;
    this.nodes.push({ id, op, inputs, shape, attrs, t, label, span, seg: this.seg });
    return id;
  }
}

export interface UnrollOptions {
  /** Dropout is active only in training (the default). */
  training?: boolean;
  /**
   * The adaptive softmax's loss as one op fused with its output layer (adaptive_xent: only the
   * head and the target's cluster are computed), as training code runs it; by default the
   * dense log-probabilities of every word and their cross-entropy, which inference reads.
   */
  fusedAdaptive?: boolean;
}

/** The largest look-ahead of an offset lookup (`E[token@+2]`: 2) or a loss target (`token@+2`), 0 when none. */
export function lookaheadOf(ir: IRModel): number {
  let a = 0;
  const walk = (e: IRExpr): void => {
    if (e.op === 'gather' && e.offset && e.offset > 0) a = Math.max(a, e.offset);
    if (e.op === 'cross_entropy' && e.offsets) a = Math.max(a, ...e.offsets);
    if ('args' in e) e.args.forEach(walk);
  };
  for (const s of ir.step) walk(s.expr);
  return a;
}

/** The loss over context positions (`cross_entropy(logits, token@-2, …)`: skip-gram), if the model has one. */
export function contextLoss(ir: IRModel): IRExpr | null {
  for (const s of ir.step) if (s.kind === 'loss' && s.expr.op === 'cross_entropy' && s.expr.offsets) return s.expr;
  return null;
}

export function unroll(ir: IRModel, T: number, options: UnrollOptions = {}): Graph {
  if (!Number.isInteger(T) || T < 1) throw new GraphError(`the window length must be a positive integer, not ${T}`);
  const training = options.training ?? true;
  // A model that looks A tokens ahead (CBOW) runs A steps late: step t computes the model's
  // step t − A, so every token it reads is already in the window (or its carried history),
  // and the target of step t is token t − A; before a stream's start that is the pad, whose
  // loss is 0 (it still counts in the window's mean).
  const delay = lookaheadOf(ir);
  const b = new GraphBuilder();
  const params = new Map<string, number>();
  for (const p of ir.params) params.set(p.name, b.add('param', [], concreteShape(p.shape, `param ${p.name}`), { name: p.name }, p.name, p.span));

  const reversed = new Set(ir.layers.filter((l) => l.reverse).map((l) => l.name));
  const states: StateInfo[] = ir.states.map((s) => {
    const shape = concreteShape(s.shape, `state ${s.name}`);
    return { name: s.name, shape, reverse: reversed.has(s.layer), initial: b.add('state0', [], shape, { name: s.name }, `${s.name}@init`, s.span), final: -1 };
  });
  const stateByName = new Map(states.map((s) => [s.name, s]));
  /** `${stmt name}@${t}` → node. */
  const values = new Map<string, number>();
  const stepLosses: number[] = [];
  // Masks are numbered in statement order within a step, the same at every t and in the
  // one-step graph the code generator reads, so both draw identical masks.
  const masksAt = new Map<number, number>();

  const lower = (e: IRExpr, t: number, span: Span): number => {
    const shape = concreteShape(e.shape, 'an expression');
    switch (e.op) {
      case 'param':
        return params.get(e.name)!;
      case 'state': {
        const s = stateByName.get(e.name)!;
        const prev = s.reverse ? t + 1 : t - 1;
        return prev < 0 || prev >= T ? s.initial : values.get(`${e.name}'@${prev}`)!;
      }
      case 'ref': {
        const v = values.get(`${e.name}@${t}`);
        if (v === undefined) throw new GraphError(`internal: ${e.name} used before it was computed at step ${t}`);
        return v;
      }
      case 'const':
        return b.add('const', [], [], { value: e.value }, String(e.value), e.span, t);
      case 'gather': {
        const offset = (e.offset ?? 0) - delay;
        return b.add('gather', [params.get(e.table)!], shape, offset ? { target: e.index, offset } : { target: e.index }, '', e.span, t);
      }
      case 'cross_entropy': {
        // Logits that are a parameter itself (a unigram model) get a node of their own: each
        // example scores its own target against them, so code generators keep them per example.
        const z = lower(e.args[0], t, span);
        const logits = b.nodes[z].op === 'param' ? b.add('concat', [z], b.nodes[z].shape, {}, b.nodes[z].label, e.args[0].span, t) : z;
        if (!e.offsets) return b.add('cross_entropy', [logits], [], delay ? { target: e.target, offset: -delay } : { target: e.target }, '', e.span, t);
        // Targets at context positions (skip-gram): one cross-entropy of the same logits per
        // position, their mean the step's loss; a pad target's is 0 and still counts.
        const each = e.offsets.map((k) => b.add('cross_entropy', [logits], [], k - delay ? { target: 'token', offset: k - delay } : { target: 'token' }, '', e.span, t));
        return each.length === 1 ? each[0] : b.add('mean', each, [], {}, '', e.span, t);
      }
      case 'adaptive_cross_entropy': {
        const attrs: GNode['attrs'] = delay ? { target: e.target, offset: -delay, cutoffs: e.cutoffs } : { target: e.target, cutoffs: e.cutoffs };
        const vocab = concreteShape(e.args[0].shape, 'the logits')[0];
        // A user error (RangeError, as the CLI reports it): a vocabulary from the data can be smaller than the file expects.
        if (e.cutoffs[e.cutoffs.length - 1] >= vocab) throw new RangeError(`model ${ir.name} (${e.span.file}): adaptive_cross_entropy's cutoff ${e.cutoffs[e.cutoffs.length - 1]} leaves an empty cluster: every cutoff must be below the vocabulary size (${vocab}); use a larger vocabulary or smaller cutoffs`);
        const u = lower(e.args[1], t, span);
        if (!options.fusedAdaptive) {
          const lp = b.add('adaptive_logprobs', [lower(e.args[0], t, span), u], [vocab], { cutoffs: e.cutoffs }, '', e.span, t);
          return b.add('cross_entropy', [lp], [], delay ? { target: e.target, offset: -delay } : { target: e.target }, '', e.span, t);
        }
        // W @ h (+ b), as the check adaptive-softmax guarantees: the op reads W, h and b themselves.
        const z = e.args[0];
        const product = z.op === 'add' ? z.args[0] : z;
        if (product.op !== 'matmul' || product.args[0].op !== 'param' || (z.op === 'add' && z.args[1].op !== 'param')) throw new GraphError('internal: the logits of adaptive_cross_entropy are not W @ h + b');
        const inputs = [params.get(product.args[0].name)!, lower(product.args[1], t, span), u];
        if (z.op === 'add' && z.args[1].op === 'param') inputs.push(params.get(z.args[1].name)!);
        return b.add('adaptive_xent', inputs, [], attrs, '', e.span, t);
      }
      case 'dropout': {
        const x = lower(e.args[0], t, span);
        if (!training || e.p === 0) return x;
        const index = masksAt.get(t) ?? 0;
        masksAt.set(t, index + 1);
        const attrs: GNode['attrs'] = { p: e.p, index };
        if (e.mode) attrs.mode = e.mode;
        if (e.mode === 'rows') {
          if (b.nodes[x].op !== 'gather') throw new GraphError('internal: embedding_dropout of something other than a lookup');
          attrs.target = b.nodes[x].attrs.target;
        }
        const mask = b.add('mask', [], shape, attrs, 'dropout mask', e.span, t);
        return b.add('mul', [x, mask], shape, {}, '', e.span, t);
      }
      case 'ar':
      case 'tar': {
        // weight · mean of squares, built from graph ops so autodiff derives the gradient.
        const x = lower(e.args[0], t, span);
        const v = e.op === 'ar' ? x : b.add('sub', [x, lower(e.args[1], t, span)], b.nodes[x].shape, {}, '', e.span, t);
        const sq = b.add('sumsq', [v], [], {}, '', e.span, t);
        const n = b.nodes[x].shape.reduce((a, c) => a * c, 1);
        return b.add('mul', [sq, b.add('const', [], [], { value: e.weight / n }, String(e.weight / n), e.span, t)], [], {}, '', e.span, t);
      }
      case 'leaky_relu':
        return b.add('leaky_relu', [lower(e.args[0], t, span)], shape, { slope: e.slope }, '', e.span, t);
      case 'concat':
        return b.add('concat', e.args.map((a) => lower(a, t, span)), shape, {}, '', e.span, t);
      default:
        return b.add(e.op, e.args.map((a) => lower(a, t, span)), shape, {}, '', e.span, t);
    }
  };

  /** Step → its penalty terms (training only). */
  const penaltiesAt = new Map<number, number[]>();
  const emit = (s: IRStmt, t: number): void => {
    if (s.kind === 'penalty' && !training) return;
    const id = lower(s.expr, t, s.span);
    if (s.kind === 'penalty') penaltiesAt.set(t, [...(penaltiesAt.get(t) ?? []), id]);
    const n = b.nodes[id];
    // Name the node after its statement, unless it is shared (a param, a state, another binding).
    const fresh = n.t === t && n.label === '' ;
    if (fresh) n.label = s.name;
    if (s.kind === 'loss') stepLosses.push(id);
    values.set(`${s.name}@${t}`, id);
  };

  // Statements of one layer are contiguous in the IR; each run is swept over time in the
  // layer's direction, so a state's previous value always exists before it is read.
  let i = 0;
  const segments: Segment[] = [];
  while (i < ir.step.length) {
    const layer = ir.step[i].layer;
    let j = i;
    while (j < ir.step.length && ir.step[j].layer === layer) j++;
    const run = ir.step.slice(i, j);
    const rev = layer !== null && reversed.has(layer);
    b.seg = segments.length;
    segments.push({ layer, reverse: rev });
    for (let k = 0; k < T; k++) {
      const t = rev ? T - 1 - k : k;
      for (const s of run) emit(s, t);
    }
    i = j;
  }

  for (const s of states) {
    s.final = values.get(`${s.name}'@${s.reverse ? 0 : T - 1}`)!;
    // A state belongs to its layer's segment (its gradient is summed in that sweep).
    b.nodes[s.initial].seg = b.nodes[s.final].seg;
  }
  b.seg = null;
  const loss = b.add('mean', stepLosses, [], {}, 'loss', null, null);
  if (penaltiesAt.size === 0) return { nodes: b.nodes, T, params, states, loss, stepLosses, segments };
  // Each step's penalties, summed; the objective adds their mean over the window to the loss.
  const penalties = [...penaltiesAt.keys()].sort((a, c) => a - c).map((t) => {
    const [first, ...rest] = penaltiesAt.get(t)!;
    let sum = first;
    for (const p of rest) sum = b.add('add', [sum, p], [], {}, '', b.nodes[p].span, t);
    b.nodes[sum].seg = b.nodes[first].seg;
    return sum;
  });
  const objective = b.add('add', [loss, b.add('mean', penalties, [], {}, 'penalty', null, null)], [], {}, 'objective', null, null);
  return { nodes: b.nodes, T, params, states, loss, stepLosses, segments, penalties, objective };
}
