// What an op is, as data: the interface every entry of the op registry fills in. Each
// consumer (the float64 interpreter, the VJP table, the JavaScript emitter, the SIMD loops,
// the ONNX printer) reads the part it needs through a small builder interface of its own,
// so the registry depends on none of them.

/** The attributes an op's meaning may read (leaky_relu's slope). */
export interface OpAttrs {
  slope?: number;
}

/**
 * f32x4 arithmetic, as the SIMD loop compiler provides it: an op's SIMD form is an
 * expression over these (V is the compiler's expression type). exp and tanh are the
 * float32 approximations of fast-math.ts.
 */
export interface SimdBuilder<V> {
  add(a: V, b: V): V;
  sub(a: V, b: V): V;
  mul(a: V, b: V): V;
  div(a: V, b: V): V;
  neg(a: V): V;
  min(a: V, b: V): V;
  max(a: V, b: V): V;
  /** b < a ? a : b per lane (pmax(0, x) is relu with NaN → 0, as in JavaScript). */
  pmax(a: V, b: V): V;
  /** All-ones lanes where a > b. */
  gt(a: V, b: V): V;
  /** Bitwise and (a value and a lane mask). */
  and(a: V, mask: V): V;
  /** a where mask, else b. */
  select(a: V, b: V, mask: V): V;
  splat(x: number): V;
  zero(): V;
  one(): V;
  exp(a: V): V;
  tanh(a: V): V;
}

/** The autodiff's node builder, as a VJP rule sees it (ids are graph node ids). */
export interface VjpBuilder {
  /** The node's inputs, its output and the gradient flowing into the output. */
  x: number[];
  y: number;
  g: number;
  attrs: OpAttrs;
  /** A new node of a registry op; its shape follows from the op's shape rule. */
  op(name: string, inputs: number[], attrs?: OpAttrs): number;
  shapeOf(id: number): number[];
  /** A gradient reduced to the shape of input k (a broadcast scalar sums). */
  unbroadcast(grad: number, k: number): number;
}

/** A value in the ONNX graph: a batched value has a leading batch axis ([B, ...shape]; a per-example scalar is [B, 1]). */
export interface OnnxValue {
  name: string;
  batched: boolean;
  /** The per-example shape. */
  shape: number[];
}

/** The ONNX printer's node builder, as a lowering sees it. */
export interface OnnxBuilder {
  /** Appends a node and returns its (fresh) output name; ints are numbers, a float attribute is `{ float: x }`. */
  node(opType: string, inputs: string[], attrs?: Record<string, number | number[] | { float: number }>): string;
  /** A float32 scalar constant. */
  scalar(value: number): string;
  /** An int64 vector constant (shapes, axes). */
  ints(values: number[]): string;
  /** A value that does not depend on the data, repeated over the batch: [B, ...shape]. */
  perStream(x: OnnxValue): string;
}

/** One entry of the registry. */
export interface OpDef {
  name: string;
  /** Number of inputs ('any' for concat). */
  arity: number | 'any';
  /** Element-wise ops are one expression per entry (scalars broadcast); fusion may combine them. */
  elementwise: boolean;
  /** The output's per-example shape from the inputs' (throws on a mismatch). */
  shape(inputs: readonly (readonly number[])[], attrs: OpAttrs): number[];
  /** Float64 reference evaluation of one entry (element-wise ops: inputs in order). */
  ref?(a: number, b: number, attrs: OpAttrs): number;
  /** Float64 reference evaluation of whole values (non-element-wise ops). */
  evaluate?(inputs: readonly Float64Array[], shapes: readonly (readonly number[])[], out: readonly number[]): Float64Array;
  /** The scalar JavaScript expression generated code computes, over operand expressions (`lit` prints a number). */
  js?(xs: readonly string[], attrs: OpAttrs, lit: (v: number) => string): string;
  /** The same arithmetic on four float32 lanes, where the SIMD loops can run it. */
  simd?<V>(s: SimdBuilder<V>, xs: readonly V[], attrs: OpAttrs): V;
  /** Inputs where the derivative jumps (relu's 0): a finite-difference stencil across one measures neither side. */
  kinks?: readonly number[];
  /** The derivative is computed from the op's output y (σ' = y(1 − y)), so backward keeps y rather than x. */
  gradReadsOutput?: boolean;
  /** The gradient of each input (null: none flows); absent for backward-only ops. */
  vjp?(d: VjpBuilder): (number | null)[];
  /** The op as ONNX nodes; absent where it has no export. */
  onnx?(b: OnnxBuilder, xs: readonly OnnxValue[], attrs: OpAttrs): string;
}

/** The shape of an element-wise result: scalar operands broadcast over the other. */
export function broadcastShape(inputs: readonly (readonly number[])[]): number[] {
  const full = inputs.filter((s) => s.length > 0);
  for (const s of full) if (s.join() !== full[0].join()) throw new Error(`element-wise operands of shapes [${full[0].join(', ')}] and [${s.join(', ')}] do not match`);
  return [...(full[0] ?? [])];
}

/** An element-wise op's entry, with the shape rule filled in. */
export const elementwise = (def: Omit<OpDef, 'elementwise' | 'shape'>): OpDef => ({ ...def, elementwise: true, shape: broadcastShape });
