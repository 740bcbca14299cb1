// commitCheckpoint and findCheckpoint on plain file sets: which leftovers of interrupted saves
// a save removes (its own and dead processes', never a live one's or another checkpoint's),
// which set-aside copy a reader falls back to, what counts as the user's file, the one-line
// file-system errors, and DIR/best for each choice.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commitCheckpoint, findCheckpoint } from '../../src/runtime/train/checkpoint-swap.ts';
import { CheckpointError } from '../../src/runtime/train/checkpoint-error.ts';

const root = mkdtempSync(join(tmpdir(), 'rnnc-swap-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => {
  const d = join(root, `s${n++}`);
  mkdirSync(d);
  return d;
};
const save = (dir: string, tag: string, best: 'self' | 'keep' | 'none' = 'keep') => commitCheckpoint(dir, [['model.safetensors', tag], ['config.json', `{"tag":"${tag}"}`]], { best });
const tagOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')).tag;
/** A directory holding a complete checkpoint (its config.json), as an interrupted save leaves one. */
const leftover = (path: string, tag: string | null) => {
  mkdirSync(path);
  if (tag !== null) writeFileSync(join(path, 'config.json'), `{"tag":"${tag}"}`);
};
const DEAD = 4194304 + 7; // above Linux's largest pid: never a live process

describe('commitCheckpoint: leftovers of interrupted saves', () => {
  it('removes temporary halves of its own process and of dead ones, keeps a live process\'s and another checkpoint\'s', () => {
    const parent = fresh();
    const ck = join(parent, 'ck');
    leftover(`${ck}.tmp-${process.pid}-90`, null);
    leftover(`${ck}.tmp-${DEAD}-0`, null);
    leftover(`${ck}.tmp-${process.ppid}-0`, null); // the parent of this process is alive
    leftover(`${ck}x.tmp-${DEAD}-0`, null); // another checkpoint's (ckx)
    leftover(`${ck}.old-${DEAD}-3`, 'older'); // a set-aside copy of this one: removed once the new one is in place
    leftover(`${ck}x.old-${DEAD}-3`, 'other');
    save(ck, 'new');
    expect(readdirSync(parent).sort()).toEqual(['ck', `ck.tmp-${process.ppid}-0`, `ckx.old-${DEAD}-3`, `ckx.tmp-${DEAD}-0`].sort());
    expect(tagOf(ck)).toBe('new');
  });
});

describe('findCheckpoint', () => {
  it('the directory itself when complete (or a file, for the caller to refuse)', () => {
    const parent = fresh();
    const ck = join(parent, 'ck');
    save(ck, 'a');
    expect(findCheckpoint(ck)).toEqual({ path: ck, note: null });
    writeFileSync(join(parent, 'f'), 'x');
    expect(findCheckpoint(join(parent, 'f'))).toEqual({ path: join(parent, 'f'), note: null });
    expect(findCheckpoint(join(parent, 'none'))).toEqual({ path: join(parent, 'none'), note: null });
  });

  it('without a complete DIR: the newest complete set-aside copy, saying so; incomplete ones and other checkpoints\' are not read', () => {
    const parent = fresh();
    const ck = join(parent, 'ck');
    mkdirSync(ck); // incomplete: no config.json
    leftover(`${ck}.old-${DEAD}-0`, 'first');
    leftover(`${ck}.old-${DEAD}-1`, 'second');
    leftover(`${ck}.old-${DEAD}-2`, null);
    leftover(`${ck}x.old-${DEAD}-5`, 'other');
    const t = Date.now() / 1000;
    utimesSync(join(`${ck}.old-${DEAD}-0`, 'config.json'), t, t - 100);
    utimesSync(join(`${ck}.old-${DEAD}-1`, 'config.json'), t, t - 50);
    utimesSync(join(`${ck}x.old-${DEAD}-5`, 'config.json'), t, t);
    const found = findCheckpoint(ck);
    expect(found.path).toBe(`${ck}.old-${DEAD}-1`);
    expect(found.note).toBe(`${ck}: a save was interrupted while replacing it; reading the previous checkpoint, ${ck}.old-${DEAD}-1`);
    utimesSync(join(`${ck}.old-${DEAD}-0`, 'config.json'), t, t);
    expect(findCheckpoint(ck).path).toBe(`${ck}.old-${DEAD}-0`);
  });
});

describe('what a save refuses, in one line', () => {
  it('files rnnc did not write; an atomic write\'s leftover (name.<pid>.tmp) is not one', () => {
    const ck = fresh();
    writeFileSync(join(ck, 'model.safetensors.123.tmp'), 'x');
    save(ck, 'a');
    expect(tagOf(ck)).toBe('a');
    writeFileSync(join(ck, 'notes.x.tmp'), 'mine');
    expect(() => save(ck, 'b')).toThrow(new CheckpointError(`cannot save the checkpoint to ${ck}: it holds 'notes.x.tmp', which rnnc did not write (a checkpoint directory is replaced as a whole); choose a new or empty directory`));
  });

  it('a symbolic link, a file, a path under a file, a name too long', () => {
    const parent = fresh();
    save(join(parent, 'real'), 'a');
    symlinkSync(join(parent, 'real'), join(parent, 'link'));
    expect(() => save(join(parent, 'link'), 'b')).toThrow(/it is a symbolic link \(the directory is replaced as a whole\); give the directory it points to$/);
    writeFileSync(join(parent, 'file'), 'x');
    expect(() => save(join(parent, 'file'), 'b')).toThrow(`cannot save the checkpoint to ${join(parent, 'file')}: it is a file, not a directory; choose another output directory`);
    expect(() => save(join(parent, 'file', 'ck'), 'b')).toThrow(`cannot save the checkpoint to ${join(parent, 'file', 'ck')}: a part of the path is a file, not a directory (ENOTDIR)`);
    const long = join(parent, 'x'.repeat(300));
    expect(() => save(long, 'b')).toThrow(`cannot save the checkpoint to ${long}: the path is too long (ENAMETOOLONG)`);
  });
});

describe('DIR/best', () => {
  it('self: this save\'s files; keep: the best already there; none: no best', () => {
    const ck = join(fresh(), 'ck');
    save(ck, 'one', 'self');
    expect(tagOf(join(ck, 'best'))).toBe('one');
    expect(readdirSync(join(ck, 'best')).sort()).toEqual(['config.json', 'model.safetensors']);
    save(ck, 'two', 'keep');
    expect(tagOf(ck)).toBe('two');
    expect(tagOf(join(ck, 'best'))).toBe('one');
    expect(statSync(join(ck, 'best', 'model.safetensors')).isFile()).toBe(true);
    save(ck, 'three', 'none');
    expect(existsSync(join(ck, 'best'))).toBe(false);
    save(ck, 'four', 'keep'); // nothing to keep
    expect(existsSync(join(ck, 'best'))).toBe(false);
  });
});
