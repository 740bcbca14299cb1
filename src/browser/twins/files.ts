// src/runtime/files.ts in the browser build: a page has no file system, so reading or writing
// a path is a clear error; weights go in and out as bytes (loadWeights of a Map, weightTensors).
const noDisk = (what: string, path: string): Error => new Error(`${what} ${path}: a browser page has no file system; pass the bytes instead`);

export function readBytes(path: string): Uint8Array {
  throw Object.assign(noDisk('cannot read', path), { code: 'ENOENT' });
}

export function readText(path: string): string {
  throw Object.assign(noDisk('cannot read', path), { code: 'ENOENT' });
}

export function writeFileAtomic(path: string, _data: string | Uint8Array): void {
  throw noDisk('cannot write', path);
}
