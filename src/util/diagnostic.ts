// Diagnostics: what every stage reports instead of throwing, rendered as
// `path:line:col: error: message`, the source line, a caret range, and an optional hint.
import type { Span } from '../syntax/ast.ts';
import { lineCol, lineText, type SourceFile } from './source.ts';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  /** Stable identifier of the kind of problem (the check's name), for tests and tooling. */
  code: string;
  message: string;
  span: Span | null;
  hint?: string;
}

export function error(code: string, span: Span | null, message: string, hint?: string): Diagnostic {
  return hint === undefined ? { severity: 'error', code, message, span } : { severity: 'error', code, message, span, hint };
}

export function warning(code: string, span: Span | null, message: string, hint?: string): Diagnostic {
  return hint === undefined ? { severity: 'warning', code, message, span } : { severity: 'warning', code, message, span, hint };
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === 'error');
}

/** Orders diagnostics by file, then position, so output reads top to bottom. */
export function sortDiagnostics(diags: Diagnostic[]): Diagnostic[] {
  return [...diags].sort((a, b) => {
    const fa = a.span?.file ?? '';
    const fb = b.span?.file ?? '';
    if (fa !== fb) return fa < fb ? -1 : 1;
    return (a.span?.start ?? 0) - (b.span?.start ?? 0) || (a.span?.end ?? 0) - (b.span?.end ?? 0);
  });
}

/** Widest source line shown; a longer one is cut to a window around the column, marked …. */
const MAX_SHOWN = 120;

/** The part of a line shown, and how many columns it starts to the right of column 1. */
function window(line: string, col: number): { text: string; shift: number } {
  if (line.length <= MAX_SHOWN) return { text: line, shift: 0 };
  const from = Math.max(0, Math.min(col - 1 - 40, line.length - MAX_SHOWN));
  const to = Math.min(line.length, from + MAX_SHOWN);
  const text = (from > 0 ? '…' : '') + line.slice(from, to) + (to < line.length ? '…' : '');
  return { text, shift: from > 0 ? from - 1 : 0 };
}

/** Renders one diagnostic; `sources` maps a file path to its text. */
export function renderDiagnostic(d: Diagnostic, sources: ReadonlyMap<string, SourceFile>): string {
  const src = d.span ? sources.get(d.span.file) : undefined;
  if (!d.span || !src) {
    const where = d.span ? `${d.span.file}: ` : '';
    return `${where}${d.severity}: ${d.message}` + (d.hint ? `\nhint: ${d.hint}` : '');
  }
  const start = lineCol(src, d.span.start);
  const end = lineCol(src, Math.max(d.span.start, d.span.end - 1));
  const full = lineText(src, start.line).replace(/\t/g, ' ');
  const gutter = String(start.line);
  const pad = ' '.repeat(gutter.length);
  // A span running past its first line is underlined to the end of that line.
  const lastCol = end.line === start.line ? end.col : Math.max(start.col, full.length);
  const { text, shift } = window(full, start.col);
  const col = start.col - shift;
  const width = Math.max(1, Math.min(lastCol - start.col + 1, text.length - col + 1));
  const lines = [
    `${d.span.file}:${start.line}:${start.col}: ${d.severity}: ${d.message}`,
    ` ${gutter} | ${text}`,
    ` ${pad} | ${' '.repeat(col - 1)}${'^'.repeat(width)}`,
  ];
  if (d.hint) lines.push(`hint: ${d.hint}`);
  return lines.join('\n');
}
