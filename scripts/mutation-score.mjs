// Adds up the StrykerJS JSON reports of `npm run mutate` (one per MUTATE_SCOPE) into one
// mutation score, counted as Stryker counts it: detected (killed + timeout) over valid
// mutants (all but compile errors, runtime errors and ignored ones); no coverage counts as
// survived. Usage: node scripts/mutation-score.mjs [reports/mutation/*.json ...]
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = 'reports/mutation';
const files = process.argv.length > 2
  ? process.argv.slice(2)
  : readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('-incremental.json')).map((f) => join(dir, f));
if (files.length === 0) {
  console.error(`error: no reports in ${dir}; run npm run mutate first`);
  process.exit(1);
}

const INVALID = new Set(['CompileError', 'RuntimeError', 'Ignored']);
const DETECTED = new Set(['Killed', 'Timeout']);
const byFile = new Map(); // a file mutated by two reports counts once, from the newer report
for (const f of files) {
  const report = JSON.parse(readFileSync(f, 'utf8'));
  for (const [path, { mutants }] of Object.entries(report.files)) byFile.set(path, mutants);
}

const row = (mutants) => {
  const valid = mutants.filter((m) => !INVALID.has(m.status));
  const detected = valid.filter((m) => DETECTED.has(m.status)).length;
  const noCoverage = valid.filter((m) => m.status === 'NoCoverage').length;
  return { total: mutants.length, valid: valid.length, detected, survived: valid.length - detected - noCoverage, noCoverage };
};
const pct = (r) => (r.valid === 0 ? 'n/a' : `${((100 * r.detected) / r.valid).toFixed(2)}%`);

const folders = new Map();
for (const [path, mutants] of byFile) {
  const folder = path.split('/').slice(0, 2).join('/');
  folders.set(folder, [...(folders.get(folder) ?? []), ...mutants]);
}
console.log('folder            mutants  valid  detected  survived  no-coverage  score');
const line = (name, r) => console.log(`${name.padEnd(16)} ${String(r.total).padStart(8)} ${String(r.valid).padStart(6)} ${String(r.detected).padStart(9)} ${String(r.survived).padStart(9)} ${String(r.noCoverage).padStart(12)}  ${pct(r)}`);
for (const [folder, mutants] of [...folders].sort()) line(folder, row(mutants));
line('all', row([...byFile.values()].flat()));
console.log(`(from ${files.join(', ')})`);
