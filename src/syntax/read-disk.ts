// A `.rnn` file from the disk, for load.ts (the one part of loading that needs a file system;
// the browser build puts src/browser/twins/read-disk.ts in its place).
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { MAX_SOURCE_BYTES, refusal, sizeText, tooBig } from './limits.ts';

function kindOf(st: import('node:fs').Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/**
 * A `.rnn` file's text. Opened without blocking (a FIFO opens at once) and checked on the
 * open descriptor, so what is read is what was checked: a regular file of at most
 * MAX_SOURCE_BYTES, and never more than that many bytes are read.
 */
export const readFromDisk = (path: string): string => {
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw refusal('EISDIR', 'it is a directory');
    if (!st.isFile()) throw refusal('ENOTREG', `it is ${kindOf(st)}, not a regular file`);
    if (st.size > MAX_SOURCE_BYTES) throw refusal('EFBIG', tooBig(sizeText(st.size)));
    const buf = Buffer.alloc(MAX_SOURCE_BYTES + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    if (n > MAX_SOURCE_BYTES) throw refusal('EFBIG', tooBig(`over ${sizeText(MAX_SOURCE_BYTES)}`));
    return buf.toString('utf8', 0, n);
  } finally {
    closeSync(fd);
  }
};
