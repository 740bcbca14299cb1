// The `browser` workload of `npm run bench` (with --browser, or --only browser): bench/browser.ts
// in its own process (it drives headless Chromium for ~1 minute per run), its table printed in
// the report and its results (bench/results/browser.json) kept in latest.json.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { BENCH, type Json } from './proc.ts';

export interface BrowserResult {
  /** The Markdown table bench/browser.ts printed, or its "skipped: …" line. */
  report: string;
  results: Json | null;
}

export function runBrowser(runs: number, quick: boolean, errors: string[]): BrowserResult {
  const file = path.join(BENCH, 'results/browser.json');
  // A result of an earlier run must not pass for this one's.
  rmSync(file, { force: true });
  const args = ['--import', 'tsx', path.join(BENCH, 'browser.ts'), '--runs', String(runs), ...(quick ? ['--quick'] : [])];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const report = r.stdout.trim();
  if (r.status !== 0) {
    errors.push(`browser: bench/browser.ts exited with ${r.status ?? r.signal}`);
    return { report, results: null };
  }
  if (report.startsWith('skipped:')) return { report, results: null };
  return { report, results: JSON.parse(readFileSync(file, 'utf8')) as Json };
}
