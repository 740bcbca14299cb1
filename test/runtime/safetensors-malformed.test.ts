// decodeSafetensors on malformed files, each built byte by byte: every violation of the format
// (the specification's header, offsets that must tile the data exactly) is one SafetensorsError
// naming the file and the tensor; the edge that is still valid beside each one is accepted.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, readSafetensors, SafetensorsError } from '../../src/runtime/safetensors.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnc-st-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A file: the 8-byte length, the header bytes (a JSON value or raw bytes), then `data` bytes. */
function file(header: unknown, data = 0, length?: bigint): Uint8Array {
  const head = header instanceof Uint8Array ? header : new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + head.length + data);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(head.length), true);
  out.set(head, 8);
  return out;
}
const why = (buf: Uint8Array) => {
  try {
    decodeSafetensors(buf, 'w.st');
  } catch (e) {
    expect(e).toBeInstanceOf(SafetensorsError);
    return (e as Error).message;
  }
  return 'ok';
};
const f32 = (shape: number[], offsets: unknown) => ({ dtype: 'F32', shape, data_offsets: offsets });

describe('decodeSafetensors refuses', () => {
  it('a file shorter than the length field, a header length past the end', () => {
    expect(why(new Uint8Array(7))).toBe('w.st: too short to be a safetensors file (7 bytes)');
    expect(why(file({}, 0, 3n))).toBe('w.st: header length 3 runs past the end of the file (10 bytes)');
    expect(why(file({}, 0))).toBe('ok');
    expect(() => decodeSafetensors(new Uint8Array(7))).toThrow('safetensors data: too short');
  });

  it('a header that is not UTF-8 JSON or not an object', () => {
    expect(why(file(new Uint8Array([0x7b, 0xff, 0x7d])))).toMatch(/^w\.st: header is not valid UTF-8 JSON \(/);
    for (const h of [null, [], 5, 'x']) expect(why(file(h))).toBe('w.st: header is not a JSON object');
  });

  it('__metadata__ that does not map strings to strings', () => {
    for (const m of [5, null, { a: 1 }]) expect(why(file({ __metadata__: m }))).toBe('w.st: __metadata__ must map strings to strings');
    expect(decodeSafetensors(file({ __metadata__: { a: 'b' } })).metadata).toEqual({ a: 'b' });
  });

  it('an entry that is not a tensor description: its dtype, shape or offsets', () => {
    expect(why(file({ x: 5 }))).toBe("w.st: entry 'x' is not an object");
    expect(why(file({ x: null }))).toBe("w.st: entry 'x' is not an object");
    expect(why(file({ x: { ...f32([1], [0, 4]), dtype: 'F8' } }, 4))).toBe('w.st: tensor \'x\' has an unknown dtype "F8"');
    expect(why(file({ x: { ...f32([1], [0, 4]), dtype: 'I32' } }, 4))).toBe("w.st: tensor 'x' has dtype I32; rnnc reads F32 and F64");
    for (const s of [[2, -1], [1.5], 'x']) expect(why(file({ x: f32(s as number[], [0, 4]) }, 4))).toBe(`w.st: tensor 'x' has an invalid shape ${JSON.stringify(s)}`);
    for (const o of [[0], [0, 4, 8], [-1, 3], [4, 0], 'x', [0.5, 4]]) expect(why(file({ x: f32([1], o) }, 8))).toBe(`w.st: tensor 'x' has invalid data_offsets ${JSON.stringify(o)}`);
    const empty = decodeSafetensors(file({ x: f32([0], [0, 0]) })).tensors.get('x')!;
    expect(empty.shape).toEqual([0]);
    expect(empty.data.length).toBe(0);
  });

  it('offsets whose span is not the tensor\'s size, or that run past the data', () => {
    expect(why(file({ a: f32([1], [0, 4]), x: f32([2], [4, 8]) }, 8))).toBe("w.st: tensor 'x': data_offsets span 4 bytes, but F32 [2] needs 8");
    expect(why(file({ x: f32([2], [0, 8]) }, 4))).toBe("w.st: tensor 'x' runs past the end of the data (8 > 4 bytes)");
  });

  it('overlaps, holes and trailing bytes; tensors listed out of offset order are fine', () => {
    expect(why(file({ a: f32([2], [0, 8]), b: f32([1], [4, 8]) }, 8))).toBe("w.st: tensor 'b' overlaps the tensor before it");
    expect(why(file({ a: f32([1], [4, 8]) }, 8))).toBe("w.st: the data has a hole before tensor 'a' (bytes 0–4 belong to no tensor)");
    expect(why(file({ a: f32([1], [0, 4]) }, 12))).toBe('w.st: the data has 8 trailing bytes that belong to no tensor');
    const out = decodeSafetensors(file({ b: f32([1], [4, 8]), a: f32([1], [0, 4]) }, 8));
    expect([...out.tensors.keys()]).toEqual(['b', 'a']);
  });
});

describe('encode and read', () => {
  it('no metadata, or an empty one, writes no __metadata__; a shape that does not hold the data is refused', () => {
    const t = { dtype: 'F32' as const, shape: [2], data: new Float32Array([1, 2]) };
    for (const m of [undefined, {}]) {
      const buf = encodeSafetensors([['t', t]], m);
      const n = Number(new DataView(buf.buffer).getBigUint64(0, true));
      expect(JSON.parse(new TextDecoder().decode(buf.subarray(8, 8 + n)))).toEqual({ t: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } });
    }
    expect(() => encodeSafetensors([['t', { ...t, shape: [3] }]])).toThrow(new SafetensorsError("tensor 't': shape [3] holds 3 values, but 2 were given"));
  });

  it('readSafetensors names a missing file, and a directory', () => {
    expect(() => readSafetensors(join(dir, 'none.st'))).toThrow(new SafetensorsError(`${join(dir, 'none.st')}: no such file`));
    expect(() => readSafetensors(dir)).toThrow(new RegExp(`^${dir}: EISDIR`));
  });
});
