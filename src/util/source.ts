// Source text with a line index, so spans (character offsets) can be shown as line:col.

export interface SourceFile {
  path: string;
  text: string;
  lineStarts: number[];
}

export function makeSource(path: string, text: string): SourceFile {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  return { path, text, lineStarts };
}

/** 1-based line and column of a character offset. */
export function lineCol(src: SourceFile, offset: number): { line: number; col: number } {
  let lo = 0;
  let hi = src.lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (src.lineStarts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, col: offset - src.lineStarts[lo] + 1 };
}

/** The text of 1-based line `line`, without its newline. */
export function lineText(src: SourceFile, line: number): string {
  const start = src.lineStarts[line - 1] ?? src.text.length;
  const next = src.lineStarts[line];
  const end = next === undefined ? src.text.length : next - 1;
  return src.text.slice(start, end).replace(/\r$/, '');
}
