// What --data reads (issues 10 and 11): regular files within the size bound only, refused
// at once otherwise (a FIFO must not hang, /dev/zero must not fill memory), and an invalid
// UTF-8 sequence reported at the byte where it starts.
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, ftruncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { firstInvalidUtf8, MAX_CORPUS_BYTES, readCorpus } from '../../src/runtime/data/corpus.ts';
import { DataError } from '../../src/runtime/data/errors.ts';

let dir = '';
const posix = process.platform !== 'win32';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rnnc-corpus-'));
  if (posix) execFileSync('mkfifo', [join(dir, 'pipe.txt')]);
  // A sparse file one byte over the bound: its size is refused before anything is read.
  const fd = openSync(join(dir, 'huge.txt'), 'w');
  ftruncateSync(fd, MAX_CORPUS_BYTES + 1);
  closeSync(fd);
});

/** The DataError message readCorpus gives for `path`. */
function refusal(path: string): string {
  try {
    readCorpus(path, 'training text');
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return (e as Error).message;
  }
  throw new Error(`${path} was read`);
}

describe('readCorpus reads only regular files', () => {
  it.runIf(posix)('refuses a FIFO at once instead of waiting for a writer', () => {
    expect(refusal(join(dir, 'pipe.txt'))).toBe(`training text ${join(dir, 'pipe.txt')}: is a FIFO, not a regular file`);
  });

  it.runIf(existsSync('/dev/zero'))('refuses /dev/zero instead of reading it forever', () => {
    expect(refusal('/dev/zero')).toBe('training text /dev/zero: is a device, not a regular file');
  });

  it('refuses a directory, a missing file and a file over the bound', () => {
    expect(refusal(dir)).toBe(`training text ${dir}: is a directory, not a text file`);
    expect(refusal(join(dir, 'none.txt'))).toBe(`training text ${join(dir, 'none.txt')}: no such file`);
    expect(refusal(join(dir, 'huge.txt'))).toBe(
      `training text ${join(dir, 'huge.txt')}: the file is ${(MAX_CORPUS_BYTES + 1).toLocaleString('en-US')} bytes; a corpus may have at most ${MAX_CORPUS_BYTES.toLocaleString('en-US')} bytes (500 MiB)`,
    );
  });

  it('still reads a regular UTF-8 file, without its byte-order mark', () => {
    writeFileSync(join(dir, 'ok.txt'), '\ufeffhello\n');
    expect(readCorpus(join(dir, 'ok.txt'))).toBe('hello\n');
  });
});

describe('an invalid UTF-8 byte is reported where it is', () => {
  // Each is ill-formed at its first byte: overlong, a surrogate, above U+10FFFF, a lone
  // continuation byte, a lead byte without its continuation, bytes never used in UTF-8.
  const bad: [string, number[]][] = [
    ['overlong 3-byte', [0xe0, 0x80, 0x80]],
    ['overlong 2-byte', [0xc0, 0xaf]],
    ['surrogate', [0xed, 0xa0, 0x80]],
    ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['overlong 4-byte', [0xf0, 0x80, 0x80, 0x80]],
    ['lone continuation', [0x80]],
    ['truncated', [0xe2, 0x82, 0x41]],
    ['0xff', [0xff]],
  ];
  for (const [name, seq] of bad) {
    it(`${name} at offset 6 of a 32,000-byte file`, () => {
      const bytes = Buffer.concat([Buffer.from('hello '), Buffer.from(seq), Buffer.alloc(32000 - 6 - seq.length, 0x61)]);
      const path = join(dir, `bad-${name.replace(/\W/g, '_')}.txt`);
      writeFileSync(path, bytes);
      expect(refusal(path)).toBe(`training text ${path}: is not valid UTF-8 text (at byte 6); convert it, e.g. iconv -f latin1 -t utf-8`);
    });
  }

  it('agrees with the WHATWG decoder: the bytes before it decode, no longer prefix does', () => {
    const decodes = (b: Uint8Array): boolean => {
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(b);
        return true;
      } catch {
        return false;
      }
    };
    // Bytes drawn mostly from the ranges where UTF-8 is subtle.
    const byte = fc.oneof(fc.integer({ min: 0x20, max: 0x7f }), fc.integer({ min: 0x80, max: 0xbf }), fc.integer({ min: 0xc0, max: 0xff }));
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 12 }), (arr) => {
        const b = Uint8Array.from(arr);
        const i = firstInvalidUtf8(b);
        expect(decodes(b.subarray(0, i))).toBe(true);
        expect(i === b.length).toBe(decodes(b));
        for (let j = i + 1; j <= Math.min(b.length, i + 4); j++) expect(decodes(b.subarray(0, j))).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });
});
