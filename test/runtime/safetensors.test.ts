import { describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, SafetensorsError, type Tensor } from '../../src/runtime/safetensors.ts';

function header(obj: unknown, data: Uint8Array = new Uint8Array()): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(obj));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

describe('safetensors', () => {
  it('round-trips F64 and F32 tensors with metadata, header 8-byte aligned', () => {
    const tensors: [string, Tensor][] = [
      ['h1.W_i', { dtype: 'F64', shape: [2, 3], data: Float64Array.of(1, -2, 3.5, 1e-300, -0, Math.PI) }],
      ['b', { dtype: 'F32', shape: [3], data: Float32Array.of(0.1, 0.2, 0.3) }],
      ['scalar', { dtype: 'F64', shape: [], data: Float64Array.of(42) }],
    ];
    const bytes = encodeSafetensors(tensors, { loss: '1.5' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const back = decodeSafetensors(bytes);
    expect(back.metadata).toEqual({ loss: '1.5' });
    expect([...back.tensors.keys()]).toEqual(['h1.W_i', 'b', 'scalar']);
    expect(Array.from(back.tensors.get('h1.W_i')!.data)).toEqual([1, -2, 3.5, 1e-300, -0, Math.PI]);
    expect(back.tensors.get('b')!.data).toEqual(Float32Array.of(0.1, 0.2, 0.3));
    expect(back.tensors.get('scalar')!.shape).toEqual([]);
  });

  it('reads the byte layout the specification describes', () => {
    // {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} followed by 1.0f, 2.0f little-endian
    const data = new Uint8Array(new Float32Array([1, 2]).buffer);
    const t = decodeSafetensors(header({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, data)).tensors.get('a')!;
    expect(Array.from(t.data)).toEqual([1, 2]);
  });

  const bad: [string, Uint8Array, RegExp][] = [
    ['too short', new Uint8Array(4), /too short/],
    ['header past the end', (() => { const b = new Uint8Array(16); new DataView(b.buffer).setBigUint64(0, 100n, true); return b; })(), /runs past the end/],
    ['not JSON', (() => { const b = new Uint8Array(12); new DataView(b.buffer).setBigUint64(0, 4n, true); b.set([123, 123, 123, 123], 8); return b; })(), /not valid UTF-8 JSON/],
    ['not an object', header([1, 2]), /not a JSON object/],
    ['unknown dtype', header({ a: { dtype: 'F99', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)), /unknown dtype/],
    ['bad shape', header({ a: { dtype: 'F64', shape: [-1], data_offsets: [0, 8] } }, new Uint8Array(8)), /invalid shape/],
    ['size mismatch', header({ a: { dtype: 'F64', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(8)), /needs 16/],
    ['past the data', header({ a: { dtype: 'F64', shape: [2], data_offsets: [0, 16] } }, new Uint8Array(8)), /runs past the end of the data/],
    ['overlap', header({ a: { dtype: 'F64', shape: [1], data_offsets: [0, 8] }, b: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)), /overlaps/],
    ['hole', header({ a: { dtype: 'F64', shape: [1], data_offsets: [8, 16] } }, new Uint8Array(16)), /hole/],
    ['trailing bytes', header({ a: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(12)), /trailing bytes/],
    ['unsupported dtype', header({ a: { dtype: 'I32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4)), /reads F32 and F64/],
    ['bad metadata', header({ __metadata__: { a: 1 } }), /__metadata__/],
  ];
  it.each(bad)('rejects a malformed file: %s', (_name, bytes, message) => {
    expect(() => decodeSafetensors(bytes, 'x.safetensors')).toThrow(SafetensorsError);
    expect(() => decodeSafetensors(bytes, 'x.safetensors')).toThrow(message);
  });
});

describe('safetensors from a Node Buffer', () => {
  it('reads tensors from a pooled Buffer whose byteOffset is not 0', () => {
    const bytes = encodeSafetensors([['w', { dtype: 'F64', shape: [2], data: Float64Array.of(1.25, -7) }]]);
    const pooled = Buffer.concat([Buffer.from('xyz'), Buffer.from(bytes)]).subarray(3);
    expect(pooled.byteOffset).not.toBe(0);
    expect(Array.from(decodeSafetensors(pooled).tensors.get('w')!.data)).toEqual([1.25, -7]);
  });
});
