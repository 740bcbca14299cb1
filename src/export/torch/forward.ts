// The body of the generated forward(): the step graph's statements as PyTorch lines, one
// time loop per run of same-direction layers (as the ONNX printer has one Scan each), each
// op lowered by its registry entry. Values read by a later loop are kept per step
// (`seq_…[t]`); a single-use unnamed value is inlined into its reader, so that a line is a
// statement of the .rnn file, commented with that line.
import { basename } from 'node:path';
import type { Graph, GNode } from '../../graph/types.ts';
import { opDef, type TorchValue } from '../../graph/ops/index.ts';
import { historyLength } from '../../codegen/history.ts';
import { groupsOf } from '../onnx/phases.ts';
import { Unexportable } from '../onnx/stage.ts';
import { stepLoss } from '../step-loss.ts';

const PY_KEYWORDS = new Set('False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield self torch F nn B T t tokens xtokens states token targets finals hs us log_probs masks penalty'.split(' '));

/** A Python identifier for a label: `h1.c'` → `h1_c_next`. */
export function pyName(label: string): string {
  let s = label.replace(/'/g, '_next').replace(/[^A-Za-z0-9_]/g, '_');
  if (!/^[A-Za-z_]/.test(s)) s = `v_${s}`;
  return PY_KEYWORDS.has(s) ? `${s}_` : s;
}

/** A Python float literal. */
export const pyFloat = (v: number): string => (Number.isInteger(v) ? `${v}.0` : Number.isFinite(v) ? String(v) : v > 0 ? "float('inf')" : v < 0 ? "float('-inf')" : "float('nan')");

/** The parameter's attribute path in the generated module: `h1.W_i` → `self.h1.W_i`. */
export const paramExpr = (name: string): string => `self.${name}`;

/** `file.rnn:12: <the line>`, for a comment. */
function where(n: GNode, sources: Readonly<Record<string, string>>): string {
  if (!n.span) return '';
  const text = sources[n.span.file];
  if (text === undefined) return basename(n.span.file);
  const line = text.slice(0, n.span.start).split('\n').length;
  const src = text.split('\n')[line - 1].trim().replace(/\s+/g, ' ');
  return `${basename(n.span.file)}:${line}: ${src}`;
}

export interface ForwardCode {
  lines: string[];
  /** The variable holding each state's current value, by state name. */
  stateVars: Map<string, string>;
  /** The expression of the logits [T, B, V] after the loops (null: the output layer is computed after them, `output`). */
  logits: string | null;
  /**
   * The output layer W @ h (+ b), left out of the loops so that forward() computes it once for
   * all the steps: densely for every word, or — an adaptive softmax given targets — the head for
   * every step and each tail cluster only for the steps whose target is in it, as rnnc trains it.
   */
  output: OutputLayer | null;
  /** Where the targets of step t are, relative to its input token: 1 the next token, 0 the same, −2 two before (a model run late); one per cross-entropy the step's loss averages. */
  targets: number[];
  /** The size of the logits (the vocabulary). */
  vocab: number;
  /** How many tokens before the window the lookups and targets read (the carried token history); 0: none. */
  history: number;
  /** Whether the lines accumulate `penalty` (the ar/tar terms of each step; training only). */
  penalty: boolean;
}

export interface OutputLayer {
  /** The output matrix [V, d] (its window's weight-dropped copy, if it has one) and the bias [V] or null. */
  W: string;
  b: string | null;
  /** The stacked per-step inputs after the loops: h [T, B, d], and an adaptive softmax's cluster logits u [T, B, clusters]. */
  h: string;
  u: string | null;
  /** An adaptive softmax's cutoffs; null: a plain softmax. */
  cutoffs: number[] | null;
  /** The .rnn line of the loss, for a comment. */
  where: string;
}

/** The nodes of the output layer z = W @ h (+ b) (an adaptive softmax's: with u) when nothing else reads them; else null (computed in the loop). */
function outputParts(g: Graph, logits: number, uses: number[][], finals: ReadonlySet<number>): { z: number; product: number; W: number; h: number; b: number | null; u: number | null } | null {
  const a = g.nodes[logits];
  const [z, u] = a.op === 'adaptive_logprobs' ? a.inputs : [logits, null];
  const zn = g.nodes[z];
  const product = zn.op === 'add' ? g.nodes[zn.inputs[0]] : zn;
  const b = zn.op === 'add' ? g.nodes[zn.inputs[1]] : null;
  if (product.op !== 'matmul' || g.nodes[product.inputs[0]].op !== 'param' || (b && b.op !== 'param')) return null;
  const h = g.nodes[product.inputs[1]];
  const only = (id: number, user: number): boolean => uses[id].length === 1 && uses[id][0] === user;
  // A state's next value is read by the next step: it stays in the loop.
  if ([logits, z, product.id].some((id) => finals.has(id))) return null;
  if ((z !== logits && !only(z, logits)) || (b && !only(product.id, z)) || uses[logits].some((i) => g.nodes[i].op !== 'cross_entropy')) return null;
  // h and u must be values of the loops (per stream and step), kept for after them.
  if ([h, ...(u === null ? [] : [g.nodes[u]])].some((n) => n.shape.length !== 1 || ['param', 'const', 'state0'].includes(n.op))) return null;
  return { z, product: product.id, W: product.inputs[0], h: h.id, b: b ? b.id : null, u };
}

/**
 * Lines of forward() after `T, B = tokens.shape` and the state variables' initialisation;
 * `dropped` maps each weight-dropped param to the variable holding its masked value.
 */
export function forwardCode(g: Graph, sources: Readonly<Record<string, string>>, dropped: ReadonlyMap<string, string> = new Map()): ForwardCode {
  const { crossEntropies: ces, logits } = stepLoss(g);
  const H = historyLength(g.nodes);
  /** The token ids an offset reads at step t: the window's, or (k < 0) the carried history's then the window's. */
  const idsAt = (k: number): string => (k ? `xtokens[t + ${H + k}]` : 'tokens[t]');
  const groups = groupsOf(g);
  const groupOfSeg = new Map<number, number>();
  groups.forEach((gr, k) => gr.segs.forEach((s) => groupOfSeg.set(s, k)));
  // Which loop computes a node (params: none; -1), and whether it carries a batch axis.
  const group: number[] = [];
  const batched: boolean[] = [];
  const uses: number[][] = g.nodes.map(() => []);
  // Each step's sum of ar/tar terms, and the per-example scalars they are built from.
  const penaltySums = new Set(g.penalties ?? []);
  const penaltyPart = new Set<number>();
  const walk = (id: number): void => {
    if (penaltyPart.has(id) || g.nodes[id].shape.length !== 0) return;
    penaltyPart.add(id);
    g.nodes[id].inputs.forEach(walk);
  };
  penaltySums.forEach(walk);
  for (const n of g.nodes) {
    for (const i of n.inputs) uses[i].push(n.id);
    batched[n.id] = n.op === 'gather' || n.op === 'state0' || n.op === 'mask' || n.inputs.some((i) => batched[i]);
    // A step's penalty sum is computed in the last loop it reads from (its terms may come from several layers).
    const own = n.seg != null && groupOfSeg.has(n.seg) && !penaltySums.has(n.id);
    group[n.id] = n.op === 'param' ? -1 : own ? groupOfSeg.get(n.seg!)! : Math.max(0, ...n.inputs.map((i) => group[i]));
  }
  const stateVars = new Map(g.states.map((s) => [s.name, `st_${pyName(s.name)}`]));
  const stateOfInitial = new Map(g.states.map((s) => [s.initial, s]));
  const finals = new Set(g.states.map((s) => s.final));
  // The output layer is computed after the loops from h (and an adaptive softmax's u), kept per step.
  const out = outputParts(g, logits, uses, finals);
  const after = new Set(out ? [logits, out.z, out.product] : []);
  // Values read outside their loop are kept for every step.
  const kept = new Set<number>(out ? [out.h, ...(out.u === null ? [] : [out.u])] : [logits]);
  for (const n of g.nodes) for (const i of n.inputs) if (!after.has(n.id) && group[i] >= 0 && group[i] !== group[n.id] && g.nodes[i].op !== 'state0' && g.nodes[i].op !== 'const') kept.add(i);

  const used = new Set<string>();
  const names = new Map<number, string>();
  const nameOf = (n: GNode): string => {
    let base = pyName(n.label || (n.id === logits ? 'logits' : n.id === out?.u ? 'cluster_logits' : penaltySums.has(n.id) ? 'step_penalty' : `v${n.id}`));
    if (used.has(base)) base = `${base}_${n.id}`;
    used.add(base);
    names.set(n.id, base);
    return base;
  };
  const inline = (n: GNode): boolean => !penaltySums.has(n.id) && !n.label && uses[n.id].length === 1 && group[uses[n.id][0]] === group[n.id] && !kept.has(n.id) && !finals.has(n.id);

  const lines: string[] = [];
  const emitted = new Map<number, string>();
  let current = -1;
  const value = (id: number): TorchValue => {
    const n = g.nodes[id];
    const v = (expr: string): TorchValue => ({ expr, batched: batched[id], shape: n.shape });
    if (n.op === 'param') return v(dropped.get(n.attrs.name!) ?? paramExpr(n.attrs.name!));
    if (n.op === 'const') return v(pyFloat(n.attrs.value!));
    if (n.op === 'state0') return v(stateVars.get(stateOfInitial.get(id)!.name)!);
    if (group[id] !== current) return v(`seq_${names.get(id)}[t]`);
    return v(emitted.get(id)!);
  };
  const lower = (n: GNode): string => {
    if (n.op === 'gather') {
      if (n.attrs.target !== 'token') throw new Unexportable('a lookup of the next token is not exported', n.span);
      const k = n.attrs.offset ?? 0;
      if (k > 0) throw new Unexportable('internal: a lookup ahead of the current token', n.span);
      // Before a stream's start the history holds the pad (-1), whose row is zeros.
      return k ? `self._lookup(${value(n.inputs[0]).expr}, ${idsAt(k)})` : `${value(n.inputs[0]).expr}[tokens[t]]`;
    }
    if (n.op === 'mask') return maskCode(g, n, idsAt);
    if (n.op === 'adaptive_logprobs') return `self._adaptive_log_probs(${value(n.inputs[0]).expr}, ${value(n.inputs[1]).expr}, ${JSON.stringify(n.attrs.cutoffs)})`;
    if (n.op === 'sumsq') {
      // One sum per stream: [B] (a param's: [1]).
      const x = value(n.inputs[0]);
      return `${x.expr}.pow(2).reshape(${x.batched ? 'B' : '1'}, -1).sum(1)`;
    }
    const def = opDef(n.op);
    if (!def?.torch) throw new Unexportable(`'${n.op}' has no PyTorch lowering`, n.span, 'add one to its entry in src/graph/ops/');
    return def.torch(n.inputs.map(value), n.attrs);
  };
  const perStream = (id: number, expr: string): string => (batched[id] ? expr : `${expr}.expand(B, ${g.nodes[id].shape.join(', ')})`);

  groups.forEach((gr, k) => {
    const members = g.nodes.filter((n) => group[n.id] === k && n.id !== g.objective && !after.has(n.id) && !['param', 'const', 'state0', 'cross_entropy', 'mean'].includes(n.op));
    if (members.length === 0) return;
    const layers = [...new Set([...gr.segs].map((s) => g.segments[s].layer).filter((l) => l !== null))];
    lines.push(`# ${gr.reverse ? 'reversed sweep (t = T-1 … 0)' : 'sweep over time'}${layers.length ? ` of ${layers.join(', ')}` : ''}`);
    for (const n of members) if (kept.has(n.id)) lines.push(`seq_${nameOf(n)} = [None] * T`);
    lines.push(`for t in ${gr.reverse ? 'reversed(range(T))' : 'range(T)'}:`);
    current = k;
    for (const n of members) {
      if (n.shape.length === 0 && batched[n.id] && !penaltyPart.has(n.id)) throw new Unexportable('a per-example scalar that depends on the data is not exported', n.span);
      const expr = lower(n);
      if (inline(n)) {
        emitted.set(n.id, expr);
        continue;
      }
      const name = names.get(n.id) ?? nameOf(n);
      emitted.set(n.id, name);
      const c = where(n, sources);
      lines.push(`    ${name} = ${expr}${c ? `  # ${c}` : ''}`);
      if (kept.has(n.id)) lines.push(`    seq_${name}[t] = ${perStream(n.id, name)}`);
      if (penaltySums.has(n.id)) lines.push(`    penalty = penalty + ${name}.mean()  # this step's ar/tar terms, averaged over the streams`);
    }
    // The states move on after the whole step has read their previous values.
    for (const s of g.states) if (group[s.final] === k) {
      const next = value(s.final).expr;
      if (next !== stateVars.get(s.name)) lines.push(`    ${stateVars.get(s.name)} = ${perStream(s.final, next)}`);
    }
  });
  const targets = ces.map((c) => (c.attrs.target === 'next' ? 1 : 0) + (c.attrs.offset ?? 0));
  const param = (id: number): string => dropped.get(g.nodes[id].attrs.name!) ?? paramExpr(g.nodes[id].attrs.name!);
  const stacked = (id: number | null): string | null => (id === null ? null : `torch.stack(seq_${names.get(id)})`);
  const output: OutputLayer | null = out && { W: param(out.W), b: out.b === null ? null : param(out.b), h: stacked(out.h)!, u: stacked(out.u), cutoffs: g.nodes[logits].attrs.cutoffs ?? null, where: where(g.nodes[logits], sources) };
  return { lines, stateVars, logits: out ? null : stacked(logits), output, targets, vocab: g.nodes[logits].shape[0], history: H, penalty: penaltySums.size > 0 };
}

/**
 * A dropout mask at step t: plain (per stream and step), locked (per stream, the window's
 * first draw kept in `masks` for its other steps) or embedding rows (per row of the table for
 * the window, in every stream, read at each stream's token). Identity outside training.
 */
function maskCode(g: Graph, n: GNode, idsAt: (offset: number) => string): string {
  const p = pyFloat(n.attrs.p!);
  const key = n.attrs.index ?? 0;
  if (n.attrs.mode === 'locked') return `self._locked_mask(masks, ${key}, B, ${JSON.stringify(n.shape)}, ${p})`;
  if (n.attrs.mode === 'rows') {
    if (n.attrs.target !== 'token') throw new Unexportable('embedding_dropout of a lookup of the next token is not exported', n.span);
    // The table: the lookup the mask multiplies.
    const user = g.nodes.find((u) => u.op === 'mul' && u.inputs.includes(n.id))!;
    const lookup = g.nodes[user.inputs.find((i) => i !== n.id)!];
    const rows = g.nodes[lookup.inputs[0]].shape[0];
    return `self._row_mask(masks, ${key}, ${rows}, ${p}, ${idsAt(lookup.attrs.offset ?? 0)}, ${n.shape.length})`;
  }
  return `self._dropout_mask(B, ${JSON.stringify(n.shape)}, ${p}, (${key}, t))`;
}
