// A diagnostic on a very long line (a hostile 100 KB one-liner) shows a window of the line
// around its column, with the caret still under the character it is about.
import { describe, expect, it } from 'vitest';
import { renderDiagnostics } from '../../src/frontend.ts';
import { run } from '../check/helpers.ts';

/** The rendered source line and the text above the carets. */
function underCaret(rendered: string): { line: string; marked: string } {
  const [, source, carets] = rendered.split('\n');
  const at = carets.indexOf('^');
  const width = carets.length - at;
  return { line: source, marked: source.slice(at, at + width) };
}

describe('rendering long lines', () => {
  it('cuts a long line to a window with the caret under the unknown name', () => {
    // Many statements on one line, each within the nesting limits, each read by the next (no unused-value warnings).
    const pad = (k: string, from: string): string => Array.from({ length: 100 }, (_, i) => `${k}${i} = ${i ? `${k}${i - 1}` : from} + x`).join(' ');
    const r = renderDiagnostics(run(`cell C(x: [n]) -> h: [n] { ${pad('a', 'x')} b = zz + a99 ${pad('c', 'b')} h' = tanh(c99) }\n`));
    expect(r).toHaveLength(1);
    expect(r[0].split('\n')[0]).toMatch(/^main\.rnn:1:\d+: error: unknown name 'zz' in cell C$/);
    const { line, marked } = underCaret(r[0]);
    expect(marked).toBe('zz');
    expect(line.length).toBeLessThanOrEqual(' 1 | '.length + 122);
    expect(line).toMatch(/^ 1 \| ….* b = zz .*…$/);
  });

  it('leaves a short line whole', () => {
    const r = renderDiagnostics(run(`cell C(x: [n]) -> h: [n] { h' = tanh(zz) }\n`));
    expect(r[0].split('\n')[1]).toBe(" 1 | cell C(x: [n]) -> h: [n] { h' = tanh(zz) }");
    expect(underCaret(r[0]).marked).toBe('zz');
  });
});
