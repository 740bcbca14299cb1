// A UTF-8 byte-order mark at the start of a file (issue 10) is accepted, and diagnostics
// count columns as if it were not there, from disk and from an in-memory reader alike.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyze, renderDiagnostics } from '../../src/frontend.ts';
import { diagnose, run } from '../check/helpers.ts';

const GOOD = `cell C(x: [n]) -> h: [n] {\n  param W: [n, n]\n  h' = tanh(W @ x)\n}\n`;
const BAD = `cell C(x: [n]) -> h: [n] { h' = tanh(y) }\n`;

describe('byte-order mark', () => {
  it('accepts a file that starts with one', () => {
    expect(diagnose(`\ufeff${GOOD}`)).toEqual([]);
    expect(run(`\ufeff${GOOD}`).cells.map((c) => c.name)).toEqual(['C']);
  });

  it('places diagnostics exactly where they are without it', () => {
    const withBom = renderDiagnostics(run(`\ufeff${BAD}`));
    expect(withBom).toEqual(renderDiagnostics(run(BAD)));
    expect(withBom[0].split('\n')[0]).toBe("main.rnn:1:38: error: unknown name 'y' in cell C");
  });

  it('accepts one read from disk, in a used file too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rnnc-bom-'));
    writeFileSync(join(dir, 'cell.rnn'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(GOOD)]));
    writeFileSync(join(dir, 'main.rnn'), Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('use "cell.rnn"\n')]));
    const a = analyze(join(dir, 'main.rnn'));
    expect(a.diagnostics).toEqual([]);
    expect(a.context.units.map((u) => u.name)).toEqual(['C']);
  });
});
