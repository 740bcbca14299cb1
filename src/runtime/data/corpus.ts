// Reading a text corpus from disk: a clear DataError for every way a file can be unusable
// (missing, a directory, a FIFO or device, too big, empty, binary, not UTF-8), never a stack
// trace and never a hang.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { DataError } from './errors.ts';

/** The largest corpus: its text must fit in one JavaScript string (V8: 2^29 − 24 chars). */
export const MAX_CORPUS_BYTES = 500 * 1024 * 1024;

function notRegular(st: Stats): string | null {
  if (st.isFile()) return null;
  if (st.isDirectory()) return 'is a directory, not a text file';
  if (st.isFIFO()) return 'is a FIFO, not a regular file';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'is a device, not a regular file';
  if (st.isSocket()) return 'is a socket, not a regular file';
  return 'is not a regular file';
}

/**
 * The bytes of a regular file of at most MAX_CORPUS_BYTES. It is opened without blocking
 * (a FIFO opens at once) and checked on the open descriptor, so what is read is what was
 * checked, and never more than the limit is read.
 */
function readRegularFile(path: string, what: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(`${what} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    const why = notRegular(st);
    if (why) throw new DataError(`${what} ${path}: ${why}`);
    const tooBig = (size: string) => new DataError(`${what} ${path}: the file is ${size}; a corpus may have at most ${MAX_CORPUS_BYTES.toLocaleString('en-US')} bytes (500 MiB)`);
    if (st.size > MAX_CORPUS_BYTES) throw tooBig(`${st.size.toLocaleString('en-US')} bytes`);
    // The size may change under us: read to the end, but never past the limit.
    let buf = Buffer.allocUnsafe(Math.min(MAX_CORPUS_BYTES + 1, st.size + 1));
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        if (buf.length > MAX_CORPUS_BYTES) throw tooBig(`over ${MAX_CORPUS_BYTES.toLocaleString('en-US')} bytes`);
        const bigger = Buffer.allocUnsafe(Math.min(MAX_CORPUS_BYTES + 1, buf.length * 2));
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    return buf.subarray(0, n);
  } catch (e) {
    if (e instanceof DataError) throw e;
    throw new DataError(`${what} ${path}: ${(e as Error).message}`);
  } finally {
    closeSync(fd);
  }
}

/** The UTF-8 text of `path`; a leading byte-order mark is dropped. */
export function readCorpus(path: string, what = 'corpus'): string {
  const bytes = readRegularFile(path, what);
  if (bytes.length === 0) throw new DataError(`${what} ${path}: the file is empty`);
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new DataError(`${what} ${path}: looks binary (a NUL byte at offset ${nul}); rnnc trains on UTF-8 text`);
  let text: string;
  try {
    // The decoder drops a leading byte-order mark itself (ignoreBOM is false by default).
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new DataError(`${what} ${path}: is not valid UTF-8 text (at byte ${firstInvalidUtf8(bytes)}); convert it, e.g. iconv -f latin1 -t utf-8`);
  }
  if (text.trim() === '') throw new DataError(`${what} ${path}: holds only whitespace`);
  return text;
}

/**
 * Offset of the first byte that breaks UTF-8 (for the message), by the Unicode table of
 * well-formed sequences: the second byte's range depends on the first, which rules out
 * overlong forms (E0 80), surrogates (ED A0) and code points above U+10FFFF (F4 90).
 */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    const n = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (n < 0) return i;
    const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
    const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (i + k >= b.length || d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) return i;
    }
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
