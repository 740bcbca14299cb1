// The corpus of `rnnc lecture`: a directory with Mikolov's PTB split (ptb.train.txt,
// ptb.valid.txt, ptb.test.txt), found as other corpora are, and --quick's slice of it.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

export const SPLITS = ['train', 'valid', 'test'] as const;
export type Split = (typeof SPLITS)[number];
export type SplitFiles = Record<Split, string>;

export class LectureDataError extends Error {}

const fileName = (s: Split) => `ptb.${s}.txt`;
const isDir = (p: string) => statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;

/** Directories a relative path is tried against: the current one, the package, and those above them (the default ../shared/data/ptb sits beside a checkout). */
function bases(root: string): string[] {
  const out: string[] = [];
  for (let start of [process.cwd(), root]) {
    for (;;) {
      if (!out.includes(start)) out.push(start);
      const up = dirname(start);
      if (up === start) break;
      start = up;
    }
  }
  return out;
}

/** The three files of the split, or a one-line error naming what is missing. */
export function findData(arg: string, root: string): SplitFiles {
  const dir = isAbsolute(arg) ? (isDir(arg) ? arg : null) : (bases(root).map((b) => resolve(b, arg)).find(isDir) ?? null);
  if (!dir) throw new LectureDataError(`${arg}: no such directory (looked from here and from ${root}); give --data DIR with ptb.train.txt, ptb.valid.txt and ptb.test.txt (Mikolov's PTB split)`);
  const files = Object.fromEntries(SPLITS.map((s) => [s, join(dir, fileName(s))])) as SplitFiles;
  const missing = SPLITS.filter((s) => !(statSync(files[s], { throwIfNoEntry: false })?.isFile() ?? false));
  if (missing.length) throw new LectureDataError(`${dir}: missing ${missing.map(fileName).join(', ')} (the lecture needs the standard PTB split)`);
  return files;
}

/** Whole lines from the start of `text` until they hold at least `tokens` tokens (words plus one <eos> per line). */
export function firstTokens(text: string, tokens: number): string {
  const lines = text.split('\n');
  const out: string[] = [];
  let n = 0;
  for (const line of lines) {
    if (n >= tokens) break;
    if (line === '' && out.length === lines.length - 1) break;
    out.push(line);
    n += line.split(/\s+/).filter(Boolean).length + 1;
  }
  return out.join('\n') + '\n';
}

/** --quick: the first `train` tokens of ptb.train.txt and `other` of valid and test, written to DIR as ptb.*.txt. */
export function writeSlice(files: SplitFiles, dir: string, sizes: { train: number; other: number }): SplitFiles {
  mkdirSync(dir, { recursive: true });
  const out = Object.fromEntries(SPLITS.map((s) => [s, join(dir, fileName(s))])) as SplitFiles;
  for (const s of SPLITS) writeFileSync(out[s], firstTokens(readFileSync(files[s], 'utf8'), s === 'train' ? sizes.train : sizes.other));
  return out;
}
