// The safetensors format, per its specification: an 8-byte little-endian header length N,
// N bytes of JSON {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {…}},
// then the raw little-endian data; offsets are relative to the start of the data.
import { readBytes, writeFileAtomic } from './files.ts';

export type Dtype = 'F64' | 'F32';

export interface Tensor {
  dtype: Dtype;
  shape: number[];
  data: Float64Array | Float32Array;
}

export class SafetensorsError extends Error {}

const BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

export function decodeSafetensors(buf: Uint8Array, what = 'safetensors data'): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  const fail = (msg: string): never => {
    throw new SafetensorsError(`${what}: ${msg}`);
  };
  if (buf.length < 8) fail(`too short to be a safetensors file (${buf.length} bytes)`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(buf.length - 8)) fail(`header length ${n} runs past the end of the file (${buf.length} bytes)`);
  const headerLen = Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + headerLen)));
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${e instanceof Error ? e.message : e})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  const dataStart = 8 + headerLen;
  const dataLen = buf.length - dataStart;
  const tensors = new Map<string, Tensor>();
  let metadata: Record<string, string> = {};
  const spans: [number, number, string][] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof info !== 'object' || info === null || Object.values(info).some((v) => typeof v !== 'string')) fail('__metadata__ must map strings to strings');
      metadata = info as Record<string, string>;
      continue;
    }
    const t = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof t !== 'object' || t === null) fail(`entry '${name}' is not an object`);
    if (typeof t.dtype !== 'string' || !(t.dtype in BYTES)) fail(`tensor '${name}' has an unknown dtype ${JSON.stringify(t.dtype)}`);
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor '${name}' has an invalid shape ${JSON.stringify(t.shape)}`);
    const off = t.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every((d) => Number.isSafeInteger(d) && d >= 0) || off[0] > off[1]) fail(`tensor '${name}' has invalid data_offsets ${JSON.stringify(off)}`);
    const [begin, end] = off as [number, number];
    const shape = t.shape as number[];
    const count = shape.reduce((a, b) => a * b, 1);
    const width = BYTES[t.dtype as string];
    if (end - begin !== count * width) fail(`tensor '${name}': data_offsets span ${end - begin} bytes, but ${t.dtype} ${JSON.stringify(shape)} needs ${count * width}`);
    if (end > dataLen) fail(`tensor '${name}' runs past the end of the data (${end} > ${dataLen} bytes)`);
    spans.push([begin, end, name]);
    if (t.dtype !== 'F64' && t.dtype !== 'F32') fail(`tensor '${name}' has dtype ${t.dtype}; rnnc reads F32 and F64`);
    // A copy (Uint8Array's slice, not Buffer's view): aligned, and detached from the file buffer.
    const bytes = Uint8Array.prototype.slice.call(buf, dataStart + begin, dataStart + end);
    const data = t.dtype === 'F64' ? new Float64Array(bytes.buffer, 0, count) : new Float32Array(bytes.buffer, 0, count);
    tensors.set(name, { dtype: t.dtype as Dtype, shape, data });
  }
  spans.sort((a, b) => a[0] - b[0]);
  let pos = 0;
  for (const [begin, end, name] of spans) {
    if (begin < pos) fail(`tensor '${name}' overlaps the tensor before it`);
    if (begin > pos) fail(`the data has a hole before tensor '${name}' (bytes ${pos}–${begin} belong to no tensor)`);
    pos = end;
  }
  if (pos !== dataLen) fail(`the data has ${dataLen - pos} trailing bytes that belong to no tensor`);
  return { tensors, metadata };
}

export function encodeSafetensors(tensors: Iterable<[string, Tensor]>, metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new SafetensorsError(`tensor '${name}': shape ${JSON.stringify(t.shape)} holds ${count} values, but ${t.data.length} were given`);
    const data = t.dtype === 'F64' ? Float64Array.from(t.data) : Float32Array.from(t.data);
    const bytes = new Uint8Array(data.buffer); // typed arrays are little-endian on every platform Node runs on
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data starts 8-byte aligned, as the reference writer does.
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const head = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + head.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  let pos = 8 + head.length;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

export function readSafetensors(path: string): { tensors: Map<string, Tensor>; metadata: Record<string, string> } {
  let buf: Uint8Array;
  try {
    buf = readBytes(path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new SafetensorsError(`${path}: ${code === 'ENOENT' ? 'no such file' : e instanceof Error ? e.message : e}`);
  }
  return decodeSafetensors(buf, path);
}

/** Writes atomically: a temporary file, then a rename, so a crash never leaves half a file. */
export function writeSafetensors(path: string, tensors: Iterable<[string, Tensor]>, metadata?: Record<string, string>): void {
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}
