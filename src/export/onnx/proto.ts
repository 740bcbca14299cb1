// ONNX protobuf messages through onnx-proto (the ONNX schema compiled for protobufjs):
// tensors, value infos, nodes with attributes, graphs and the model, and its bytes.
import { createRequire } from 'node:module';
import type * as OnnxProto from 'onnx-proto';

// onnx-proto is CommonJS whose only export is the `onnx` namespace; loaded on first use, so
// that the CLI pays for it only when it writes a model.
let loaded: typeof OnnxProto.onnx | null = null;
const lib = (): typeof OnnxProto.onnx => (loaded ??= (createRequire(import.meta.url)('onnx-proto') as typeof OnnxProto).onnx);

export type NodeProto = OnnxProto.onnx.INodeProto;
export type GraphProto = OnnxProto.onnx.IGraphProto;
export type TensorProto = OnnxProto.onnx.ITensorProto;
export type ValueInfoProto = OnnxProto.onnx.IValueInfoProto;

/** The element types the export uses. */
export type Elem = 'float' | 'int64';
const dataType = (e: Elem): number => (e === 'float' ? lib().TensorProto.DataType.FLOAT : lib().TensorProto.DataType.INT64);
/** The opset the printer writes (Unsqueeze/Squeeze take axes as inputs from 13 on). */
export const OPSET = 15;

/** An int, ints, a float (wrapped, so that 1.0 stays a float), a tensor or a graph. */
export type AttrValue = number | number[] | { float: number } | { tensor: TensorProto } | { graph: GraphProto };

/** A dim: a size, or a named symbolic size (`T`, `B`). */
export type Dim = number | string;

function attribute(name: string, v: AttrValue): OnnxProto.onnx.IAttributeProto {
  const T = lib().AttributeProto.AttributeType;
  if (Array.isArray(v)) return { name, type: T.INTS, ints: v };
  if (typeof v === 'number') return { name, type: T.INT, i: v };
  if ('float' in v) return { name, type: T.FLOAT, f: v.float };
  if ('tensor' in v) return { name, type: T.TENSOR, t: v.tensor };
  return { name, type: T.GRAPH, g: v.graph };
}

export function node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}, name?: string): NodeProto {
  return { opType, input: inputs, output: outputs, name: name ?? outputs[0], attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)) };
}

export function valueInfo(name: string, elem: Elem, dims: readonly Dim[]): ValueInfoProto {
  const dim = dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType: dataType(elem), shape: { dim } } } };
}

export function floatTensor(name: string, dims: readonly number[], data: Float32Array): TensorProto {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return { name, dims: [...dims], dataType: dataType('float'), rawData: Uint8Array.from(bytes) };
}

export function int64Tensor(name: string, dims: readonly number[], values: readonly number[]): TensorProto {
  return { name, dims: [...dims], dataType: dataType('int64'), int64Data: [...values] };
}

/** A float32 scalar (rank 0). */
export function floatScalar(name: string, value: number): TensorProto {
  return { name, dims: [], dataType: dataType('float'), floatData: [value] };
}

export function graph(g: { name: string; nodes: NodeProto[]; inputs: ValueInfoProto[]; outputs: ValueInfoProto[]; initializers?: TensorProto[]; doc?: string }): GraphProto {
  return { name: g.name, node: g.nodes, input: g.inputs, output: g.outputs, initializer: g.initializers ?? [], docString: g.doc ?? '' };
}

/** The model's bytes: one graph, the default ONNX domain at OPSET. */
export function encodeModel(main: GraphProto, meta: { producerVersion: string; doc: string }): Uint8Array {
  const onnx = lib();
  const model = onnx.ModelProto.create({
    // The IR version of the schema onnx-proto compiles (ONNX 1.10).
    irVersion: onnx.Version.IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'rnnc',
    producerVersion: meta.producerVersion,
    docString: meta.doc,
    graph: main,
  });
  return onnx.ModelProto.encode(model).finish();
}
