// What the loader reads (issue 10): regular .rnn files within the size limit only, refused
// at once with one clear diagnostic otherwise, never hanging on a FIFO or a device and never
// quoting a file that is not a model. And (issue 12) `use "cells/…"` falls back to rnnc's
// bundled models/ directory, saying so, when the file is not beside the importing one.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { analyze, renderDiagnostics } from '../../src/frontend.ts';
import { MAX_SOURCE_BYTES } from '../../src/syntax/limits.ts';
import { bundledModelsDir } from '../../src/util/package-root.ts';

let dir = '';
const posix = process.platform !== 'win32';

const USER_MODEL = `use "cells/elman.rnn"
model M {
  dim vocab, e = 4, hidden = 8
  param E: [vocab, e]
  param V: [vocab, hidden]
  h1 = Elman(E[token], hidden = hidden)
  loss cross_entropy(V @ h1, next)
}
`;

beforeAll(() => {
  // Outside the repository, as a user's own project would be.
  dir = mkdtempSync(join(tmpdir(), 'rnnc-read-'));
  writeFileSync(join(dir, 'secret.txt'), 'TOPSECRET line one\n');
  writeFileSync(join(dir, 'uses-secret.rnn'), 'use "secret.txt"\n');
  writeFileSync(join(dir, 'uses-zero.rnn'), 'use "/dev/zero"\n');
  writeFileSync(join(dir, 'huge.rnn'), `# ${'x'.repeat(MAX_SOURCE_BYTES)}\n`);
  writeFileSync(join(dir, 'uses-huge.rnn'), 'use "huge.rnn"\n');
  writeFileSync(join(dir, 'user.rnn'), USER_MODEL);
  mkdirSync(join(dir, 'own', 'cells'), { recursive: true });
  writeFileSync(join(dir, 'own', 'user.rnn'), USER_MODEL);
  writeFileSync(join(dir, 'own', 'cells', 'elman.rnn'), readFileSync(join(bundledModelsDir()!, 'cells', 'elman.rnn'), 'utf8'));
  if (posix) {
    execFileSync('mkfifo', [join(dir, 'pipe.rnn')]);
    writeFileSync(join(dir, 'uses-pipe.rnn'), 'use "pipe.rnn"\n');
    if (existsSync('/dev/zero')) {
      symlinkSync('/dev/zero', join(dir, 'zero.rnn'));
      writeFileSync(join(dir, 'uses-zero-link.rnn'), 'use "zero.rnn"\n');
    }
  }
});

/** The diagnostics of analyzing `name` in the temp dir, rendered as the CLI prints them. */
function check(name: string): { codes: string[]; text: string } {
  const a = analyze(join(dir, name));
  return { codes: a.diagnostics.map((d) => d.code), text: renderDiagnostics(a).join('\n').replaceAll(dir, '<dir>') };
}

describe('use reads only .rnn files', () => {
  it('refuses a file without the .rnn extension without reading or quoting it', () => {
    const { codes, text } = check('uses-secret.rnn');
    expect(codes).toEqual(['missing-file']);
    expect(text).toContain('cannot use "secret.txt": only .rnn files can be used');
    expect(text).not.toContain('TOPSECRET');
  });

  it('refuses /dev/zero by its name', () => {
    expect(check('uses-zero.rnn').text).toContain('cannot use "/dev/zero": only .rnn files can be used');
  });

  it.runIf(posix)('refuses a FIFO at once instead of waiting for a writer', () => {
    expect(check('uses-pipe.rnn').text).toContain('cannot read "pipe.rnn" (<dir>/pipe.rnn): it is a FIFO, not a regular file');
    expect(check('pipe.rnn').text).toBe('error: cannot read <dir>/pipe.rnn: it is a FIFO, not a regular file');
  });

  it.runIf(posix && existsSync('/dev/zero'))('refuses a .rnn link to a device', () => {
    expect(check('uses-zero-link.rnn').text).toContain('cannot read "zero.rnn" (<dir>/zero.rnn): it is a device, not a regular file');
  });

  it('refuses a file over the size limit, used or given, before parsing it', () => {
    const limit = `a .rnn file may have at most ${MAX_SOURCE_BYTES.toLocaleString('en-US')} bytes (${MAX_SOURCE_BYTES / 1024} KiB)`;
    const size = (MAX_SOURCE_BYTES + 3).toLocaleString('en-US');
    expect(check('uses-huge.rnn').text).toContain(`cannot read "huge.rnn" (<dir>/huge.rnn): the file is ${size} bytes; ${limit}`);
    expect(check('huge.rnn').text).toBe(`error: cannot read <dir>/huge.rnn: the file is ${size} bytes; ${limit}`);
  });

  it('holds text from an in-memory reader to the same limit', () => {
    const a = analyze('big.rnn', { readFile: () => `# ${'é'.repeat(MAX_SOURCE_BYTES / 2)}\n` });
    expect(a.diagnostics.map((d) => d.message)).toEqual([`cannot read big.rnn: the file is ${(MAX_SOURCE_BYTES + 3).toLocaleString('en-US')} bytes; a .rnn file may have at most ${MAX_SOURCE_BYTES.toLocaleString('en-US')} bytes (${MAX_SOURCE_BYTES / 1024} KiB)`]);
  });
});

describe('use falls back to the bundled models', () => {
  it('finds rnnc\'s package root from its sources', () => {
    expect(bundledModelsDir()).toBe(join(import.meta.dirname, '..', '..', 'models'));
  });

  it('uses the bundled cells/elman.rnn for a file outside the repository, with a warning naming it', () => {
    const a = analyze(join(dir, 'user.rnn'));
    expect(a.ok).toBe(true);
    const bundled = join(bundledModelsDir()!, 'cells', 'elman.rnn');
    expect(a.diagnostics.map((d) => [d.severity, d.code, d.message])).toEqual([
      ['warning', 'use-fallback', `"cells/elman.rnn" is not beside ${join(dir, 'user.rnn')}; using rnnc's bundled ${bundled}`],
    ]);
    expect(a.sources.has(bundled)).toBe(true);
    expect(a.models.map((m) => m.name)).toEqual(['M']);
  });

  it('prefers the file beside the importing file', () => {
    const a = analyze(join(dir, 'own', 'user.rnn'));
    expect(a.diagnostics).toEqual([]);
    expect(a.sources.has(join(dir, 'own', 'cells', 'elman.rnn'))).toBe(true);
  });

  it('reports the path as written when neither exists', () => {
    const a = analyze('main.rnn', { readFile: (p) => (p === 'main.rnn' ? 'use "cells/none.rnn"\n' : readFileSync(p, 'utf8')) });
    expect(a.diagnostics.map((d) => d.message)).toEqual(['cannot read "cells/none.rnn" (cells/none.rnn): no such file']);
  });
});
