// files.ts: an atomic write replaces the whole file or nothing and leaves no temporary file
// behind when it fails; a durable write creates a new file with every byte and never
// overwrites; syncDir is quiet where a directory cannot be opened.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readBytes, readText, syncDir, writeFileAtomic, writeFileDurable } from '../../src/runtime/files.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnc-files-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('files', () => {
  it('writeFileAtomic replaces the content; text and bytes read back', () => {
    const p = join(dir, 'a.txt');
    writeFileSync(p, 'old content, longer than the new');
    writeFileAtomic(p, 'new ✓');
    expect(readText(p)).toBe('new ✓');
    writeFileAtomic(p, new Uint8Array([1, 2, 3]));
    expect(Array.from(readBytes(p))).toEqual([1, 2, 3]);
    expect(readdirSync(dir)).toEqual(['a.txt']);
  });

  it('a failed atomic write throws and leaves neither the temporary file nor a change', () => {
    const sub = join(dir, 'sub');
    mkdirSync(join(sub, 'target'), { recursive: true });
    expect(() => writeFileAtomic(join(sub, 'target'), 'x')).toThrow(); // a directory is in the way of the rename
    expect(readdirSync(sub)).toEqual(['target']);
    expect(() => writeFileAtomic(join(dir, 'missing', 'f.txt'), 'x')).toThrow(/ENOENT/);
  });

  it('writeFileDurable writes every byte of a new file and refuses an existing one', () => {
    const p = join(dir, 'd.bin');
    const big = new Uint8Array(3 << 20).map((_, i) => i % 251);
    writeFileDurable(p, big);
    expect(Buffer.compare(readFileSync(p), Buffer.from(big))).toBe(0);
    expect(() => writeFileDurable(p, 'again')).toThrow(/EEXIST/);
    writeFileDurable(join(dir, 'd.txt'), 'ünïcode');
    expect(readText(join(dir, 'd.txt'))).toBe('ünïcode');
  });

  it('syncDir returns quietly for a directory it cannot open', () => {
    expect(() => syncDir(join(dir, 'nope'))).not.toThrow();
    expect(() => syncDir(dir)).not.toThrow();
  });
});
