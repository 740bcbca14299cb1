// Fused element-wise loops as WebAssembly SIMD (f32x4) functions over the float32 kernels'
// memory: the same ops, in the same order, as the JavaScript loop emit.ts writes beside each
// call (each op's SIMD form is in the op registry, graph/ops/) (which stays the readable reference, the float64 path, and the fallback).
//
// A loop is described by a LoopSpec: its operands are arrays (byte offsets into the memory),
// f32 scalars, or values computed earlier in the loop; each op may store its value to an
// array. Two shapes, as in emit.ts:
//   flat  for (i = 0; i < n; i++)                    every array read at [i]; the function
//         runs the first n − n mod 4 entries and returns that count (JavaScript does the rest)
//   rows  for (b < rows) for (j < len)               arrays read at [b·len + j] ('vec'), at [j]
//         ('shared': a vector repeated over the rows) or at [b] ('row': one value per row);
//         only when len is a multiple of 4, so it covers every entry.
// Arithmetic is float32 (JavaScript computes in float64 and rounds on store): the results
// differ in the last bits, as any float32 kernel's do. sigmoid, tanh and exp use the
// polynomials of fast-math.ts, evaluated in float32.
import {
  type Bytes, type Local, FunctionBuilder, encodeModule, get, setLocal, i32, i32c, i32x4, f32c, f32x4, v128, F32, I32, V128,
} from '../kernels/wasm/asm.ts';
import { LN2_SPLIT, TANH_RATIONAL } from './fast-math.ts';
import { OPS, opDef, type SimdBuilder } from '../graph/ops/index.ts';

export type LoopOperand =
  | { kind: 'value'; op: number } // the value of op `op` (an earlier op of this loop)
  | { kind: 'array'; param: number; access: 'vec' | 'shared' | 'row' }
  | { kind: 'scalar'; param: number };

export interface LoopOp {
  op: string;
  inputs: LoopOperand[];
  /** Array parameter this op's value is stored to, if any. */
  store?: number;
  /** leaky_relu's slope. */
  slope?: number;
}

export interface LoopSpec {
  shape: 'flat' | 'rows';
  /** Entries per row (rows loops). */
  len: number;
  arrays: number;
  scalars: number;
  ops: LoopOp[];
}

/** The ops a SIMD loop can run: those the registry gives a SIMD form (log and softplus stay in JavaScript). */
export const SIMD_OPS: ReadonlySet<string> = new Set(Object.values(OPS).filter((d) => d.simd).map((d) => d.name));

const splat = (x: number): Bytes => f32x4.splat(f32c(x));

// The approximations of fast-math.ts (exp32, tanh32), evaluated in float32 lanes.
const LOG2E = Math.LOG2E, LN2_HI = LN2_SPLIT.hi, LN2_LO = LN2_SPLIT.lo;
const TANH = TANH_RATIONAL;
// 1.5·2²³ and its float32 bits: integers added to it land in the low mantissa bits.
const MAGIC = 12582912, MAGIC_BITS = 0x4b400000;

/** Compiles one loop into `f`; `params` are the array pointers and scalars in order. */
function compileLoop(f: FunctionBuilder, spec: LoopSpec): void {
  const arrays = Array.from({ length: spec.arrays }, (_, k) => f.param(`a${k}`));
  const scalars = Array.from({ length: spec.scalars }, (_, k) => f.param(`s${k}`));
  const count = f.param('n'); // flat: entries; rows: rows
  const values: Local[] = spec.ops.map(() => f.local(V128));
  const splats: Local[] = scalars.map(() => f.local(V128));
  const floorLocal = f.local(V128); // exp's n, tanh's clamped x
  const rLocal = f.local(V128); // exp's r, tanh's x²
  const i = f.local(I32); // byte offset of the entry (flat), or of the row start + j (rows)
  const j = f.local(I32); // byte offset within a row (rows)
  const rowOff = f.local(I32); // b·len·4 (rows)
  const b = f.local(I32);
  const end = f.local(I32);

  for (let k = 0; k < scalars.length; k++) f.set(splats[k], f32x4.splat(get(scalars[k])));

  const read = (x: LoopOperand): Bytes => {
    switch (x.kind) {
      case 'value':
        return get(values[x.op]);
      case 'scalar':
        return get(splats[x.param]);
      case 'array': {
        const p = get(arrays[x.param]);
        if (spec.shape === 'flat' || x.access === 'vec') return v128.load(i32.add(p, get(i)), 0, 0);
        if (x.access === 'shared') return v128.load(i32.add(p, get(j)), 0, 0);
        return v128.load32_splat(i32.add(p, i32.shl(get(b), i32c(2))));
      }
    }
  };

  // e^x in float32: x = n·ln2 + r, Taylor polynomial of degree 6, 2^n built in the exponent
  // bits ((n + 127) << 23). Clamped to [-87, 88] so that n stays a normal exponent.
  // The clamps are pmin/pmax with x first: the same values as min/max for every x (a NaN x
  // passes through), one instruction each instead of min/max's NaN and ±0 sequences.
  // n is an integer in [-126, 127], so n + 1.5·2²³ is exact and its bits are 0x4B400000 + n:
  // the same i32 as trunc_sat(n) without trunc_sat's range checks.
  const exp = (x: Bytes): Bytes => {
    const n = floorLocal, r = rLocal;
    let p = splat(1 / 720);
    for (const k of [1 / 120, 1 / 24, 1 / 6, 0.5, 1, 1]) p = f32x4.add(f32x4.mul(p, get(r)), splat(k));
    const scale = i32x4.shl(i32x4.add(f32x4.add(get(n), splat(MAGIC)), i32x4.splat(i32c(127 - MAGIC_BITS))), i32c(23));
    return [
      ...setLocal(r, f32x4.pmax(f32x4.pmin(x, splat(88)), splat(-87))),
      ...setLocal(n, f32x4.floor(f32x4.add(f32x4.mul(get(r), splat(LOG2E)), splat(0.5)))),
      ...setLocal(r, f32x4.sub(f32x4.sub(get(r), f32x4.mul(get(n), splat(LN2_HI))), f32x4.mul(get(n), splat(LN2_LO)))),
      ...f32x4.mul(p, scale),
    ];
  };

  const tanh = (x: Bytes): Bytes => {
    const c = floorLocal, s = rLocal;
    let p = splat(TANH.p[6]);
    for (let k = 5; k >= 0; k--) p = f32x4.add(f32x4.mul(p, get(s)), splat(TANH.p[k]));
    let q = splat(TANH.q[3]);
    for (let k = 2; k >= 0; k--) q = f32x4.add(f32x4.mul(q, get(s)), splat(TANH.q[k]));
    return [
      ...setLocal(c, f32x4.pmax(f32x4.pmin(x, splat(TANH.clamp)), splat(-TANH.clamp))), // as exp's clamp
      ...setLocal(s, f32x4.mul(get(c), get(c))),
      ...f32x4.div(f32x4.mul(get(c), p), q),
    ];
  };

  // The registry's SIMD forms are written against this: f32x4 instructions, and exp and tanh above.
  const lanes: SimdBuilder<Bytes> = {
    add: f32x4.add, sub: f32x4.sub, mul: f32x4.mul, div: f32x4.div, neg: f32x4.neg,
    min: f32x4.min, max: f32x4.max, pmax: f32x4.pmax, gt: f32x4.gt,
    and: v128.and, select: v128.bitselect,
    splat, zero: () => v128.const0(), one: () => splat(1), exp, tanh,
  };
  const expr = (o: LoopOp): Bytes => {
    const simd = opDef(o.op)?.simd;
    if (!simd) throw new Error(`simd loop: unsupported op ${o.op}`);
    return simd(lanes, o.inputs.map(read), { slope: o.slope });
  };

  const body = (): void => {
    spec.ops.forEach((o, k) => {
      f.set(values[k], expr(o));
      if (o.store !== undefined) f.v128store(i32.add(get(arrays[o.store]), get(i)), get(values[k]), 0, 0);
    });
  };

  if (spec.shape === 'flat') {
    f.set(end, i32.shl(i32.and(get(count), i32c(~3)), i32c(2)));
    f.for(i, i32c(0), get(end), 16, () => body());
    f.emit(i32.and(get(count), i32c(~3)));
  } else {
    const rowBytes = spec.len * 4;
    f.set(rowOff, i32c(0));
    f.for(b, i32c(0), get(count), 1, () => {
      f.for(j, i32c(0), i32c(rowBytes), 16, () => {
        f.set(i, i32.add(get(rowOff), get(j)));
        body();
      });
      f.set(rowOff, i32.add(get(rowOff), i32c(rowBytes)));
    });
    f.emit(get(count));
  }
}

/** Whether a loop of this shape can run as SIMD (rows loops need whole vectors per row). */
export function simdEligible(shape: 'flat' | 'rows', len: number, ops: readonly string[]): boolean {
  return (shape === 'flat' || len % 4 === 0) && ops.every((o) => SIMD_OPS.has(o));
}

export interface LoopMemory {
  memory: WebAssembly.Memory;
  pages: number;
  shared: boolean;
}

/** One module with a function `f<k>` per spec, over the given memory; each returns the entries (flat) or rows it did. */
export function buildLoopModule(specs: readonly LoopSpec[], mem: LoopMemory): Record<string, (...args: number[]) => number> {
  const fns = specs.map((spec, k) => {
    const params: Array<[string, typeof I32 | typeof F32]> = [
      ...Array.from({ length: spec.arrays }, (_, p): [string, typeof I32] => [`a${p}`, I32]),
      ...Array.from({ length: spec.scalars }, (_, p): [string, typeof F32] => [`s${p}`, F32]),
      ['n', I32],
    ];
    const f = new FunctionBuilder(`f${k}`, params, [I32]);
    compileLoop(f, spec);
    return f;
  });
  const bytes = encodeModule({ module: 'env', name: 'memory', minPages: mem.pages, maxPages: mem.pages, shared: mem.shared }, fns);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: mem.memory } });
  return instance.exports as unknown as Record<string, (...args: number[]) => number>;
}
