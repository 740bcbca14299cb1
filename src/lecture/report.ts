// The lecture's table (text for the terminal, Markdown for report.md) and results.json.
import { fmtMinutes, type Published, type Stage } from './plan.ts';

export type RowStatus = 'done' | 'not available' | 'not run' | 'failed';

export interface Row {
  id: string;
  label: string;
  status: RowStatus;
  /** Trained parameters, or for an n-gram its stored n-grams. */
  params: number | null;
  paramsUnit: 'parameters' | 'n-grams' | null;
  seconds: number | null;
  valid: number | null;
  test: number | null;
  published: Published | null;
  note: string;
  /** neural: its checkpoint (rnnc eval takes it); mix: the neural row mixed with KN5, and the weights. */
  checkpoint?: string;
  mix?: { of: string; weights: number[] };
}

export const emptyRow = (s: Stage, status: RowStatus, note: string): Row => ({ id: s.id, label: s.label, status, params: null, paramsUnit: null, seconds: null, valid: null, test: null, published: s.published ?? null, note });

const num = (x: number | null) => (x === null ? '—' : x.toFixed(2));
const size = (r: Row) => (r.params === null ? '—' : `${(r.params / 1e6).toFixed(2)}M${r.paramsUnit === 'n-grams' ? ' n-grams' : ''}`);
const time = (r: Row) => (r.seconds === null ? '—' : fmtMinutes(r.seconds));
const published = (r: Row) => (r.published ? `${r.published.valid !== undefined ? `${r.published.valid} / ` : ''}${r.published.test} (${r.published.source})` : '—');
const status = (r: Row) => (r.status === 'done' ? r.note : r.status === 'not available' ? `not available ${r.note}` : `${r.status}${r.note ? `: ${r.note}` : ''}`);

const HEAD = ['model', 'size', 'training', 'valid ppl', 'test ppl', 'published (valid / test)', 'notes'];
const cells = (r: Row) => [r.label, size(r), time(r), num(r.valid), num(r.test), published(r), status(r)];

/** Aligned columns for the terminal. */
export function textTable(rows: readonly Row[]): string {
  const all = [HEAD, ...rows.map(cells)];
  const w = HEAD.map((_, i) => Math.max(...all.map((c) => [...c[i]].length)));
  const line = (c: string[]) => c.map((x, i) => (i >= 3 && i <= 4 ? x.padStart(w[i]) : x.padEnd(w[i]))).join('  ').trimEnd();
  return [line(all[0]), line(w.map((n) => '-'.repeat(n))), ...all.slice(1).map(line)].join('\n');
}

export function markdownTable(rows: readonly Row[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [`| ${HEAD.join(' | ')} |`, `|${HEAD.map((_, i) => (i >= 3 && i <= 4 ? '---:' : '---')).join('|')}|`, ...rows.map((r) => `| ${cells(r).map(esc).join(' | ')} |`)].join('\n');
}

export interface ReportInput {
  command: string;
  data: string;
  started: Date;
  seconds: number;
  budget: string;
  finished: boolean;
  rows: readonly Row[];
  /** Relative paths of the pictures, with captions. */
  figures: { path: string; caption: string }[];
  diagnoseText: string | null;
  notes: string[];
}

export function markdownReport(r: ReportInput): string {
  const parts = [
    '# The lecture, measured',
    '',
    `\`${r.command}\` on ${r.data}, started ${r.started.toISOString()}, ${fmtMinutes(r.seconds)}${r.finished ? '' : ' — **stopped early: only the finished stages are in the table**'} (budget ${r.budget}).`,
    '',
    markdownTable(r.rows),
    '',
    ...r.notes.map((n) => `- ${n}`),
    '',
  ];
  for (const f of r.figures) parts.push(`## ${f.caption}`, '', `![${f.caption}](${f.path})`, '');
  if (r.diagnoseText) parts.push('## Gradient norms against distance (rnnc diagnose)', '', '```', r.diagnoseText.trimEnd(), '```', '');
  return parts.join('\n');
}

export function resultsJson(r: ReportInput): string {
  return JSON.stringify({ command: r.command, data: r.data, started: r.started.toISOString(), seconds: +r.seconds.toFixed(1), finished: r.finished, rows: r.rows, figures: r.figures }, null, 2) + '\n';
}
