// Reading an ARPA file — rnnc's own or one written by KenLM, SRILM or by hand (the format is
// described in arpa-write.ts). Text before `\data\` is skipped, except rnnc's header line,
// which gives the level (word or char) and how the model was estimated; without it the model
// is a word model of unknown smoothing, assumed normalised. Fields are separated by tabs or
// spaces. Every problem is a DataError naming the file and line.
//
// Backoff lookups need the suffix w2..wn of each stored n-gram w1..wn (table.ts). Pruned
// models (SRILM's -prune) may lack some; they are added as blanks — no probability, backoff 0 —
// which changes no probability the file defines.
import { readFileSync, statSync } from 'node:fs';
import { DataError } from '../runtime/data/errors.ts';
import { RNNC_HEADER } from './arpa-write.ts';
import { MAX_ORDER, NgramModel, type ModelInfo } from './model.ts';
import { NgramTable, resized } from './table.ts';
import { NgramVocab } from './vocab.ts';

const FIELDS = /[ \t]+/;

/**
 * An n-gram line as [log10 p, words, log10 backoff?], or null for a blank line. The usual
 * layout "p<TAB>w1 w2<TAB>bo" is split without a regular expression; anything else (spaces
 * between the fields, runs of blanks) by whitespace: then a line of k fields is read as
 * p, k−1 words (or, when the caller expects fewer words, p, words, backoff).
 */
function fields(line: string): [string, string[], string | undefined] | null {
  const t1 = line.indexOf('\t');
  if (t1 > 0) {
    const t2 = line.indexOf('\t', t1 + 1);
    const mid = line.slice(t1 + 1, t2 < 0 ? line.length : t2);
    const rest = t2 < 0 ? undefined : line.slice(t2 + 1);
    if (mid !== '' && !mid.includes('  ') && mid[0] !== ' ' && mid[mid.length - 1] !== ' ' && (rest === undefined || (rest !== '' && !rest.includes('\t') && !rest.includes(' ')))) return [line.slice(0, t1), mid.split(' '), rest];
  }
  const f = line.trim().split(FIELDS);
  if (f.length === 1 && f[0] === '') return null;
  return [f[0], f.slice(1), undefined];
}

function readText(path: string): string {
  try {
    if (statSync(path).isDirectory()) throw new DataError(`${path}: is a directory, not an ARPA file`);
    return readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof DataError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(`${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
  }
}

/** Reads an ARPA file from disk. */
export function readArpa(path: string): NgramModel {
  return parseArpa(readText(path), path);
}

/** Parses ARPA text; `what` names it in errors (`what:line: …`). */
export function parseArpa(text: string, what = 'ARPA file'): NgramModel {
  let pos = 0;
  let lineNo = 0;
  const next = (): string | null => {
    if (pos >= text.length) return null;
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    let line = text.slice(pos, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    pos = end + 1;
    lineNo++;
    return line;
  };
  const fail = (msg: string, at = lineNo): never => {
    throw new DataError(`${what}:${at}: ${msg}`);
  };
  const nonBlank = (): string | null => {
    for (let l = next(); l !== null; l = next()) if (l.trim() !== '') return l.trim();
    return null;
  };

  // Preamble, then \data\.
  let level: 'word' | 'char' = 'word';
  const info: ModelInfo = { smoothing: null, normalised: true, notes: {} };
  for (;;) {
    const l = next();
    if (l === null) throw new DataError(`${what}: not an ARPA file (no \\data\\ line)`);
    if (l.trim() === '\\data\\') break;
    if (l.startsWith(RNNC_HEADER + ' ')) {
      for (const kv of l.slice(RNNC_HEADER.length).trim().split(/\s+/)) {
        const [k, v] = kv.split('=', 2);
        if (k === 'level') {
          if (v !== 'word' && v !== 'char') fail(`level must be word or char (got ${JSON.stringify(v)})`);
          level = v as 'word' | 'char';
        } else if (k === 'smoothing') info.smoothing = v;
        else if (k === 'normalised') info.normalised = v !== 'false';
        else if (k !== 'order' && v !== undefined) info.notes[k] = v;
      }
    }
  }
  const declared: number[] = [];
  let line = nonBlank();
  for (; line !== null && line.startsWith('ngram '); line = nonBlank()) {
    const m = /^ngram\s+(\d+)\s*=\s*(\d+)$/.exec(line);
    if (!m) fail(`expected "ngram N=count", got ${JSON.stringify(line)}`);
    if (Number(m![1]) !== declared.length + 1) fail(`the counts must be for orders 1, 2, … in turn (got order ${m![1]})`);
    declared.push(Number(m![2]));
  }
  const N = declared.length;
  if (N === 0) fail('no "ngram N=count" lines after \\data\\');
  if (N > MAX_ORDER) fail(`order ${N} is above the ${MAX_ORDER} rnnc supports`);

  const tables: NgramTable[] = [new NgramTable(), new NgramTable()];
  const prob: Float64Array[] = [new Float64Array(0)];
  const backoff: Float64Array[] = [new Float64Array(0)];
  const names: string[] = [];
  const nameIds = new Map<string, number>();
  let vocabSize = 0;
  const number = (s: string, whatNum: string): number => {
    const x = Number(s);
    if (s === '' || !Number.isFinite(x)) fail(`bad ${whatNum} ${JSON.stringify(s)}`);
    return x;
  };
  // A blank n-gram (ids oldest first) of order n, so that longer n-grams can be indexed.
  const internBlank = (n: number, suffixIdx: number, first: number): number => {
    const t = tables[n];
    const before = t.size;
    const j = t.intern(suffixIdx, first);
    if (j === before) {
      prob[n] = resized(prob[n], j + 1);
      backoff[n] = resized(backoff[n], j + 1);
      prob[n][j] = NaN;
      backoff[n][j] = 0;
    }
    return j;
  };
  const ids = new Int32Array(N);

  for (let n = 1; n <= N; n++) {
    if (line !== `\\${n}-grams:`) fail(`expected \\${n}-grams:, got ${line === null ? 'the end of the file' : JSON.stringify(line)}`);
    // Room for the declared count, but no more than the text can hold (a line takes ≥ 4 characters).
    const room = Math.max(1, Math.min(declared[n - 1], Math.ceil(text.length / 4)));
    if (n > 1) tables.push(new NgramTable(room));
    prob.push(new Float64Array(room));
    backoff.push(new Float64Array(room));
    let seen = 0;
    for (;;) {
      const raw = next();
      if (raw === null || raw.charCodeAt(0) === 92 /* \ */) {
        line = raw === null ? null : raw.trim();
        break;
      }
      const f = fields(raw);
      if (f === null) continue; // a blank line
      const pStr = f[0];
      let [, words, boStr] = f;
      if (boStr === undefined && words.length === n + 1) {
        boStr = words[n];
        words = words.slice(0, n);
      }
      if (words.length !== n) fail(`a ${n}-gram line needs a log10 probability, ${n} word${n > 1 ? 's' : ''} and optionally a backoff weight; got ${words.length + (boStr === undefined ? 1 : 2)} fields`);
      const p = number(pStr, 'log10 probability');
      if (p > 0) fail(`log10 probability ${pStr} is above 0`);
      const bo = boStr === undefined ? 0 : number(boStr, 'log10 backoff weight');
      if (n === N && bo !== 0) fail(`a backoff weight (${boStr}) on a ${n}-gram of the highest order`);
      if (++seen > declared[n - 1]) fail(`more ${n}-grams than the ${declared[n - 1]} declared in \\data\\`);
      if (n === 1) {
        const w = words[0];
        if (nameIds.has(w)) fail(`the 1-gram ${JSON.stringify(w)} appears twice`);
        nameIds.set(w, vocabSize);
        names.push(w);
        prob[1] = resized(prob[1], vocabSize + 1);
        backoff[1] = resized(backoff[1], vocabSize + 1);
        prob[1][vocabSize] = p;
        backoff[1][vocabSize] = bo;
        vocabSize++;
        continue;
      }
      for (let k = 0; k < n; k++) {
        const id = nameIds.get(words[k]);
        if (id === undefined) fail(`the word ${JSON.stringify(words[k])} is not among the 1-grams`);
        ids[k] = id!;
      }
      // The suffix chain w_n, w_{n-1} w_n, …, each found or added as a blank.
      let s = ids[n - 1];
      for (let m = 2; m < n; m++) s = internBlank(m, s, ids[n - m]);
      const t = tables[n];
      const before = t.size;
      const j = internBlank(n, s, ids[0]);
      if (j !== before && prob[n][j] === prob[n][j]) fail(`the ${n}-gram "${words.join(' ')}" appears twice`);
      prob[n][j] = p;
      backoff[n][j] = bo;
    }
    if (seen < declared[n - 1]) fail(`${seen} ${n}-grams where \\data\\ declares ${declared[n - 1]}`);
  }
  if (line !== '\\end\\') fail(`expected \\end\\, got ${line === null ? 'the end of the file' : JSON.stringify(line)}`);
  const vocab = new NgramVocab(level, names, what);
  prob[1] = prob[1].slice(0, vocabSize);
  backoff[1] = backoff[1].slice(0, vocabSize);
  for (let n = 2; n <= N; n++) {
    prob[n] = prob[n].slice(0, tables[n].size);
    backoff[n] = backoff[n].slice(0, tables[n].size);
  }
  return new NgramModel(vocab, N, tables, prob, backoff, info);
}
