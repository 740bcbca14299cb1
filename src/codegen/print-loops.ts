// Element-wise loops as JavaScript: a fused run of ops (locals, stores only where read
// later) or one op alone, each with its WebAssembly SIMD twin registered where eligible.
import type { GNode } from '../graph/types.ts';
import { opDef } from '../graph/ops/index.ts';
import { commentText, compilerTemp, derived, numberLiteral } from './names.ts';
import type { Printer } from './print-context.ts';
import { CodegenError, type Mode } from './schedule.ts';
import { simdEligible, type LoopOp, type LoopOperand } from './simd-loops.ts';

/** A fused loop's local for node id's value. */
const local = (id: number): string => compilerTemp(`v${id}`);
/** The most parameters V8 accepts for a WebAssembly function. */
const MAX_WASM_PARAMS = 1000;

/**
 * The parameters of a loop's WebAssembly SIMD twin: arrays by byte offset (each once) and
 * f32 scalars, in the order of the function's signature. `register` adds the loop to
 * p.options.loops and returns its call (`L.f3(…)`), or '' when the caller takes no loops.
 */
function simdTwin(p: Printer) {
  const ptrs: string[] = [];
  const scalarArgs: string[] = [];
  const ptr = (x: string): number => {
    const k = ptrs.indexOf(x);
    return k >= 0 ? k : ptrs.push(x) - 1;
  };
  return {
    ptr,
    array: (x: string, access: 'vec' | 'shared' | 'row'): LoopOperand => ({ kind: 'array', param: ptr(x), access }),
    scalar: (s: string): LoopOperand => ({ kind: 'scalar', param: scalarArgs.push(s) - 1 }),
    register(flat: boolean, len: number, ops: LoopOp[], rows: string | number): string {
      // A WebAssembly function takes at most 1000 parameters (V8): a wider loop stays JavaScript.
      if (p.options.loops === undefined || ptrs.length + scalarArgs.length + 1 > MAX_WASM_PARAMS) return '';
      const f = `f${p.options.loops.length}`;
      p.options.loops.push({ shape: flat ? 'flat' : 'rows', len, arrays: ptrs.length, scalars: scalarArgs.length, ops });
      return `L.${f}(${[...ptrs.map((x) => `${x}.byteOffset`), ...scalarArgs, flat ? `${rows} * ${len}` : rows].join(', ')})`;
    },
  };
}

/** A loop over `count` entries (flat) or rows × len, run first by its SIMD twin `call` where there is one. */
function loopHeader(p: Printer, flat: boolean, count: string, rows: string | number, len: number, call: string, rest: string): void {
  if (flat) p.line(`for (let i = ${call ? `L !== null ? ${call} : 0` : '0'}; i < ${count}; i++) ${rest}`);
  else {
    if (call) p.line(`if (L !== null) ${call}; else`);
    p.line(`for (let b = 0, o = 0; b < ${rows}; b++, o += ${len}) for (let j = 0; j < ${len}; j++) ${rest}`);
  }
}

/**
 * A run of element-wise ops as one loop: each op a local (`$v12`), stored only where a
 * later step, pass or op outside the run reads it. One pass over memory instead of one per op.
 */
export function printFused(p: Printer, run: GNode[], mode: Mode): void {
  const { plan } = p;
  const nodes = p.nodes;
  const len = p.entries(run[0].id);
  const rows = p.rowsOf(mode);
  const inRun = new Set(run.map((n) => n.id));
  const flat = run.every((n) => n.inputs.every((i) => inRun.has(i) || (p.isBatched(i) && p.entries(i) === len) || p.entries(i) === 1 && !p.isBatched(i)));
  const scalars: string[] = [];
  const body: string[] = [];
  // This step's row of a per-step value, read once before the loop (`h_f$t = h_f[t]`).
  const aliases = new Map<number, string>();
  const arr = (id: number): string => {
    if (mode !== 'step' || !plan.perStep[id] || !p.isBatched(id)) return p.ref(id, mode);
    if (!aliases.has(id)) aliases.set(id, derived(plan.name[id], 't'));
    return aliases.get(id)!;
  };
  // The same loop as a SIMD spec: arrays by byte offset, scalars by value, values by op index.
  const simd = simdEligible(flat ? 'flat' : 'rows', len, run.map((n) => n.op));
  const twin = simdTwin(p);
  const ops: LoopOp[] = [];
  const opIndex = new Map(run.map((n, k) => [n.id, k]));
  for (const n of run) {
    const operands: LoopOperand[] = [];
    const xs = n.inputs.map((i, k) => {
      if (inRun.has(i)) {
        operands.push({ kind: 'value', op: opIndex.get(i)! });
        return local(i);
      }
      const x = arr(i);
      const scalar = p.entries(i) === 1 && len !== 1;
      if (p.isBatched(i)) {
        operands.push(twin.array(x, scalar ? 'row' : 'vec'));
        return scalar ? `${x}[b]` : flat ? `${x}[i]` : `${x}[o + j]`;
      }
      if (scalar || p.entries(i) === 1) {
        scalars.push(`const ${compilerTemp(`s${n.id}_${k}`)} = ${x}[0];`);
        operands.push(twin.scalar(compilerTemp(`s${n.id}_${k}`)));
        return compilerTemp(`s${n.id}_${k}`);
      }
      operands.push(twin.array(x, flat ? 'vec' : 'shared'));
      return flat ? `${x}[i]` : `${x}[j]`;
    });
    const what = p.origin(n).slice(3);
    body.push(`const ${local(n.id)} = ${scalarExpr(n, xs)}; // ${what}`);
    const stored = !p.sched.inlined.has(n.id);
    if (stored) body.push(`${arr(n.id)}[${flat ? 'i' : 'o + j'}] = ${local(n.id)};`);
    ops.push({ op: n.op, inputs: operands, store: stored ? twin.ptr(arr(n.id)) : undefined, slope: n.attrs.slope });
  }
  const call = simd ? twin.register(flat, len, ops, rows) : '';
  p.line(`// fused: ${run.length} element-wise ops in one loop${call ? ' (WebAssembly SIMD when L is set: the same ops, 4 entries at a time)' : ''}`);
  if (scalars.length || aliases.size) {
    p.line('{');
    p.depth++;
    for (const [id, a] of aliases) p.line(`const ${a} = ${plan.name[id]}[t];`);
    for (const x of scalars) p.line(x);
  }
  loopHeader(p, flat, `${rows} * ${len}`, rows, len, call, '{');
  p.depth++;
  for (const x of body) p.line(x);
  p.depth--;
  p.line('}');
  if (scalars.length || aliases.size) {
    p.depth--;
    p.line('}');
  }
  for (const n of run) {
    const acc = plan.accumulate.get(n.id);
    if (!acc) continue;
    for (const a of acc) {
      const pe = plan.paramName.get(a.param)!;
      p.line(`k.accBatch(${pe.grad}, ${p.ref(n.id, mode)}, true, ${rows}, ${len}); // into d ${commentText(a.param, 60)}`);
    }
  }
}

/** One loop over the entries: scalars broadcast, shared vectors repeat over the rows. */
export function printElementwise(p: Printer, n: GNode, mode: Mode): void {
  const len = p.entries(n.id);
  const batched = p.isBatched(n.id);
  const o = p.ref(n.id, mode);
  const rows = p.rowsOf(mode);
  type Access = 'vec' | 'shared' | 'scalar' | 'bscalar';
  const modes: Access[] = n.inputs.map((i) => {
    const scalar = p.entries(i) === 1 && len !== 1;
    if (p.isBatched(i)) return scalar ? 'bscalar' : 'vec';
    return scalar || p.entries(i) === 1 ? 'scalar' : 'shared';
  });
  const flat = !batched || modes.every((m) => m === 'vec' || m === 'scalar');
  const scalars: string[] = [];
  const operand = (k: number): string => {
    const x = p.ref(n.inputs[k], mode);
    switch (modes[k]) {
      case 'scalar':
        scalars.push(`const ${compilerTemp(`s${k}`)} = ${x}[0];`);
        return compilerTemp(`s${k}`);
      case 'bscalar':
        return `${x}[b]`;
      case 'shared':
        return flat ? `${x}[i]` : `${x}[j]`;
      case 'vec':
        return flat ? `${x}[i]` : `${x}[o + j]`;
    }
  };
  const xs = n.inputs.map((_, k) => operand(k));
  const e = scalarExpr(n, xs);
  const target = flat ? `${o}[i]` : `${o}[o + j]`;
  const body = `${target} = ${e};`;
  if (scalars.length) {
    p.line('{');
    p.depth++;
    for (const s of scalars) p.line(s);
  }
  // Over a whole batch (e.g. a bias added to every row of logits), also as a SIMD loop.
  let call = '';
  if (batched && simdEligible(flat ? 'flat' : 'rows', len, [n.op])) {
    const twin = simdTwin(p);
    const inputs: LoopOperand[] = n.inputs.map((i, k) => {
      const x = p.ref(i, mode);
      switch (modes[k]) {
        case 'scalar':
          return twin.scalar(compilerTemp(`s${k}`));
        case 'bscalar':
          return twin.array(x, 'row');
        case 'shared':
          return twin.array(x, flat ? 'vec' : 'shared');
        case 'vec':
          return twin.array(x, 'vec');
      }
    });
    call = twin.register(flat, len, [{ op: n.op, inputs, store: twin.ptr(o), slope: n.attrs.slope }], rows);
  }
  loopHeader(p, flat, batched ? `${rows} * ${len}` : `${len}`, rows, len, call, body);
  if (scalars.length) {
    p.depth--;
    p.line('}');
  }
}

/** The arithmetic of one element-wise op on operand expressions (array reads or locals), from the op registry. */
function scalarExpr(n: GNode, xs: string[]): string {
  const js = opDef(n.op)?.js;
  if (!js) throw new CodegenError(`no code template for op '${n.op}'`);
  return js(xs, n.attrs, numberLiteral);
}
