// Reading a text corpus from disk: a clear DataError for every way a file can be unusable
// (missing, a directory, empty, binary, not UTF-8), never a stack trace.
import { readFileSync, statSync } from 'node:fs';
import { DataError } from './errors.ts';

/** The UTF-8 text of `path`; a leading byte-order mark is dropped. */
export function readCorpus(path: string, what = 'corpus'): string {
  let bytes: Buffer;
  try {
    if (statSync(path).isDirectory()) throw new DataError(`${what} ${path}: is a directory, not a text file`);
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof DataError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(`${what} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
  }
  if (bytes.length === 0) throw new DataError(`${what} ${path}: the file is empty`);
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new DataError(`${what} ${path}: looks binary (a NUL byte at offset ${nul}); rnnc trains on UTF-8 text`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DataError(`${what} ${path}: is not valid UTF-8 text (at byte ${firstInvalidUtf8(bytes)}); convert it, e.g. iconv -f latin1 -t utf-8`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') throw new DataError(`${what} ${path}: holds only whitespace`);
  return text;
}

/** Offset of the first byte that breaks UTF-8 (for the message). */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    const n = c < 0x80 ? 0 : c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 : c >= 0xf0 && c < 0xf5 ? 3 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) if (i + k >= b.length || (b[i + k] & 0xc0) !== 0x80) return i;
    i += n + 1;
  }
  return i;
}

/** Splits text at a fraction of its length: the first part trains, the rest validates. */
export function splitText(text: string, fraction: number): { train: string; valid: string } {
  if (!(fraction > 0 && fraction < 1)) throw new DataError(`--split must be a fraction between 0 and 1 (got ${fraction})`);
  const at = Math.floor(text.length * fraction);
  // Never split a surrogate pair.
  const cut = at > 0 && text.charCodeAt(at - 1) >= 0xd800 && text.charCodeAt(at - 1) <= 0xdbff ? at + 1 : at;
  return { train: text.slice(0, cut), valid: text.slice(cut) };
}
