// Writing files so that a crash or Ctrl-C never leaves half a file: write a temporary file
// beside the target, then rename it over the target (atomic on one file system). Checkpoints
// also need the bytes on disk before the rename that publishes them: writeFileDurable, syncDir.
// (The browser build puts src/browser/twins/files.ts in its place: a page has no disk.)
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';

/** A file's bytes. */
export function readBytes(path: string): Uint8Array {
  return readFileSync(path);
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Writes a new file and fsyncs it, so a rename of its directory publishes complete bytes. */
export function writeFileDurable(path: string, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const fd = openSync(path, 'wx');
  try {
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Fsyncs a directory so that the entries created or renamed in it survive a power cut. */
export function syncDir(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return; // some platforms cannot open a directory; the renames are still atomic
  }
  try {
    fsyncSync(fd);
  } catch {
    // fsync of a directory is not supported everywhere (EINVAL on some file systems)
  } finally {
    closeSync(fd);
  }
}
