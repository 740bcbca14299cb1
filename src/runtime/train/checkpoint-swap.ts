// A checkpoint directory is replaced as one unit, so that a reader never sees files of two
// different saves and a crash (SIGKILL, power cut, full disk) at any moment leaves the last
// complete checkpoint readable:
//
//   1. every file is written and fsynced into a fresh sibling  DIR.tmp-<pid>-<n>
//   2. the complete checkpoint DIR is renamed aside to         DIR.old-<pid>-<n>
//   3. the new directory is renamed to DIR; then DIR.old-… is removed
//
// A crash before 2 leaves DIR as it was (the .tmp-… leftover is removed by the next save).
// A crash between 2 and 3 leaves no DIR but a complete DIR.old-…: findCheckpoint reads that
// one, and the next save publishes its DIR and removes it.
import { existsSync, linkSync, copyFileSync, lstatSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { syncDir, writeFileDurable } from '../files.ts';
import { CheckpointError } from './checkpoint-error.ts';
import { settings } from '../../backend/settings.ts';

/** The entries rnnc writes into a checkpoint directory (anything else is the user's). */
export const CHECKPOINT_ENTRIES = ['model.safetensors', 'optimizer.safetensors', 'vocab.json', 'config.json', 'curve.svg', 'best'];

/** Where the best checkpoint (by validation loss) is kept, inside the run's directory. */
export const BEST_DIR = 'best';

let counter = 0;

/** Test-only (crash-consistency test): RNNC_TEST_SAVE_DELAY_MS sleeps at each step of a save, to widen the window a kill can hit. */
function testDelay(): void {
  const ms = settings().testSaveDelayMs;
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const LEFTOVER = /^(.*)\.(tmp|old)-(\d+)-\d+$/;

function leftovers(target: string, kind: 'tmp' | 'old'): string[] {
  const parent = dirname(target);
  const base = basename(target);
  let names: string[];
  try {
    names = readdirSync(parent);
  } catch {
    return [];
  }
  return names
    .filter((n) => {
      const m = LEFTOVER.exec(n);
      return m !== null && m[1] === base && m[2] === kind;
    })
    .map((n) => join(parent, n));
}

function alive(pid: number): boolean {
  if (pid === process.pid) return false; // our own leftovers are from an earlier, failed save
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const complete = (dir: string): boolean => existsSync(join(dir, 'config.json'));

/**
 * The directory that holds the last complete checkpoint saved to `dir`: `dir` itself, or, when
 * a save was interrupted between its two renames, the previous checkpoint set aside beside it.
 */
export function findCheckpoint(dir: string): { path: string; note: string | null } {
  const target = resolve(dir);
  if (existsSync(target) && (!statSync(target).isDirectory() || complete(target))) return { path: dir, note: null };
  const old = leftovers(target, 'old').filter(complete);
  if (old.length === 0) return { path: dir, note: null };
  // Several, when saves were cut again before cleaning up: the newest is the last complete one.
  const mtime = (d: string) => statSync(join(d, 'config.json')).mtimeMs;
  const path = old.reduce((a, b) => (mtime(b) > mtime(a) ? b : a));
  return { path, note: `${dir}: a save was interrupted while replacing it; reading the previous checkpoint, ${path}` };
}

/** One line for a file-system error while saving to `dir`. */
function fsProblem(e: unknown, dir: string): CheckpointError {
  const err = e as NodeJS.ErrnoException;
  const why: Record<string, string> = {
    ENOSPC: 'no space left on the device',
    EDQUOT: 'the disk quota is exhausted',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'the file system is read-only',
    ENOTDIR: 'a part of the path is a file, not a directory',
    EEXIST: 'a part of the path is a file, not a directory',
    ENAMETOOLONG: 'the path is too long',
    EIO: 'an input/output error of the device',
  };
  const reason = (err && typeof err.code === 'string' && why[err.code]) || (e instanceof Error ? e.message : String(e));
  return new CheckpointError(`cannot save the checkpoint to ${dir}: ${reason}${err?.code ? ` (${err.code})` : ''}`);
}

/** Refuses an output path that is a file, or a directory holding things rnnc did not write. */
function checkTarget(dir: string, target: string): void {
  let st;
  try {
    st = lstatSync(target);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    throw fsProblem(e, dir);
  }
  if (st.isSymbolicLink()) throw new CheckpointError(`cannot save the checkpoint to ${dir}: it is a symbolic link (the directory is replaced as a whole); give the directory it points to`);
  if (!st.isDirectory()) throw new CheckpointError(`cannot save the checkpoint to ${dir}: it is a file, not a directory; choose another output directory`);
  const foreign = readdirSync(target).filter((n) => !CHECKPOINT_ENTRIES.includes(n) && !/\.\d+\.tmp$/.test(n));
  if (foreign.length) throw new CheckpointError(`cannot save the checkpoint to ${dir}: it holds '${foreign[0]}', which rnnc did not write (a checkpoint directory is replaced as a whole); choose a new or empty directory`);
}

export interface CommitOptions {
  /** The best checkpoint kept in DIR/best: this save itself, the one already there, or none. */
  best: 'self' | 'keep' | 'none';
}

function linkOrCopy(from: string, to: string): void {
  try {
    linkSync(from, to); // files are never rewritten in place, so sharing them is safe
  } catch {
    copyFileSync(from, to);
  }
}

/** Writes `files` as the new content of checkpoint directory `dir`, as one unit (see above). */
export function commitCheckpoint(dir: string, files: [string, Uint8Array | string][], options: CommitOptions = { best: 'keep' }): void {
  const target = resolve(dir);
  const parent = dirname(target);
  checkTarget(dir, target);
  try {
    mkdirSync(parent, { recursive: true });
  } catch (e) {
    throw fsProblem(e, dir);
  }
  // Space first: stale halves of interrupted saves go before this one is written.
  for (const t of leftovers(target, 'tmp')) if (!alive(Number(LEFTOVER.exec(basename(t))![3]))) rmSync(t, { recursive: true, force: true });
  const previous = findCheckpoint(dir).path;
  const tmp = join(parent, `${basename(target)}.tmp-${process.pid}-${counter++}`);
  let aside: string | null = null;
  try {
    mkdirSync(tmp);
    for (const [name, data] of files) {
      writeFileDurable(join(tmp, name), data);
      testDelay();
    }
    const bestFrom = options.best === 'self' ? tmp : options.best === 'keep' && complete(join(previous, BEST_DIR)) ? join(previous, BEST_DIR) : null;
    if (bestFrom) {
      mkdirSync(join(tmp, BEST_DIR));
      for (const name of readdirSync(bestFrom)) if (name !== BEST_DIR && statSync(join(bestFrom, name)).isFile()) linkOrCopy(join(bestFrom, name), join(tmp, BEST_DIR, name));
      syncDir(join(tmp, BEST_DIR));
    }
    syncDir(tmp);
    testDelay();
    if (existsSync(target)) {
      aside = join(parent, `${basename(target)}.old-${process.pid}-${counter++}`);
      renameSync(target, aside);
      testDelay();
    }
    renameSync(tmp, target);
    syncDir(parent);
  } catch (e) {
    if (aside && !existsSync(target)) {
      try {
        renameSync(aside, target);
      } catch {
        // findCheckpoint still finds it beside the target
      }
    }
    rmSync(tmp, { recursive: true, force: true });
    throw e instanceof CheckpointError ? e : fsProblem(e, dir);
  }
  testDelay();
  // The new checkpoint is in place: what was set aside (now or by an interrupted save) goes.
  for (const old of leftovers(target, 'old')) rmSync(old, { recursive: true, force: true });
}
