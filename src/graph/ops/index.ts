// The op registry: what each element-wise and matrix op means, in one place. The float64
// interpreter (graph/interpret.ts), the VJP table (autodiff/vjp.ts), the JavaScript emitter
// (codegen/emit.ts), the SIMD loops (codegen/simd-loops.ts) and the ONNX printer
// (export/onnx/) all read it. Adding an op is adding an entry to one family file.
import * as activations from './activations.ts';
import * as arithmetic from './arithmetic.ts';
import * as derivatives from './derivatives.ts';
import * as matrix from './matrix.ts';
import type { OpDef } from './types.ts';

export type { OpAttrs, OpDef, OnnxBuilder, OnnxValue, SimdBuilder, VjpBuilder } from './types.ts';

const families = { ...arithmetic, ...activations, ...derivatives, ...matrix };

/** The name of a registry op. */
export type RegistryOp = keyof typeof families;

export const OPS: Readonly<Record<RegistryOp, OpDef>> = families;

/** The registry entry of `op`, or undefined for ops outside it (sources, gather, cross-entropy, …). */
export function opDef(op: string): OpDef | undefined {
  return Object.hasOwn(OPS, op) ? OPS[op as RegistryOp] : undefined;
}

/** Ops whose value is one expression per entry, which fusion may combine into one loop. */
export const ELEMENTWISE_OPS: ReadonlySet<string> = new Set(Object.values(OPS).filter((d) => d.elementwise).map((d) => d.name));
