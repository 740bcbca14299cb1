// The fuzzer's cases, each a pure function of (seed, index) so that any case can be replayed:
// token mutations of the shipped models, grammar-aware models (random names, including
// keyword-prefixed ones, the generated code's own names and JavaScript's; nested expressions;
// huge numbers), deep nesting, odd bytes, large files, grammar-ish soup and arbitrary text.
import { mulberry32 } from '../../src/graph/interpret.ts';
import { COMPILER_NAMES } from '../../src/codegen/names.ts';
import { BUILTINS, INITS } from '../../src/check/builtins.ts';
import type { AnalyzeOptions } from '../../src/frontend.ts';
import { FILES, PATHS, TOKENS } from './corpus.ts';

export interface FuzzCase {
  kind: string;
  root: string;
  text: string;
  dims: AnalyzeOptions['dims'] | undefined;
  /** Set when the case is a valid model by construction: it must check (the oracle for names and bytes the front end misreads). */
  mustCheck?: boolean;
}

export class Rng {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  /** One of the keys of `weights`, drawn with those weights. */
  weighted<K extends string>(weights: Record<K, number>): K {
    const entries = Object.entries(weights) as [K, number][];
    let r = this.float() * entries.reduce((s, [, w]) => s + w, 0);
    for (const [k, w] of entries) if ((r -= w) < 0) return k;
    return entries[entries.length - 1][0];
  }
}

const KEYWORDS = ['cell', 'model', 'use', 'param', 'gate', 'dim', 'loss', 'init', 'reverse'];
/** Names that begin with a keyword: a keyword is a whole word, so each is an ordinary name. */
const KEYWORD_PREFIXED = ['gate_r', 'dimension', 'reverseElman', 'initial', 'loss_logits', 'params', 'cells', 'user', 'modeled', 'init0', 'gated', 'dim_x'];
const JS_NAMES = ['constructor', '__proto__', 'eval', 'arguments', 'this', 'class', 'new', 'Math', 'Object', 'undefined', 'NaN', 'Infinity', 'toString', 'prototype', 'let', 'yield', 'await', 'globalThis'];
/** The generated code's own names and the forms the compiler derives from names. */
const CODE_NAMES = [...COMPILER_NAMES.filter((x) => !KEYWORDS.includes(x)), 'a_all', 'h1_h_initial', 'h_t', 'v12', 's0', 's3_0', 'pack0', 'sigmoid_', 'tanh_', 'd_W', 'packScratch'];
const BUILTIN_NAMES = [...BUILTINS.keys(), ...INITS.keys(), 'token', 'next', 'vocab'];
const UNICODE_NAMES = ['é', 'Δh', 'π', 'ñ_1', 'x_é'];
const HUGE = ['99999999999999999999', '1' + '0'.repeat(400), '2147483648', '4294967296', '9007199254740993', '1e400', '007', '0'];
const PUNCT = ['[', ']', '(', ')', '{', '}', '@', '+', '-', '*', '/', '=', ':', ',', "'", '^T', '^', '->', '#', '"', '.', '\n', ' '];
const STRINGS = ['"cells/lstm.rnn"', '"cells/gru.rnn"', '"lstm.rnn"', '"../char-lstm.rnn"', '"char-lstm.rnn"', '"cells"', '"nope.rnn"', '""', '"/dev/zero"', '"/etc/passwd"', '"cells/lstm.txt"'];
const ODD = ['\uFEFF', '\u0000', '\r', '\r\n', '\u2028', '\u2029', '\u00A0', '\t', '\v', '\uD800', '\uDFFF', '\u200B', '\uFFFD', '\u0085', '\u001B[31m', '\\', '`', '$', '\u202E'];

/** A name of one of the families above (or a plain random one); `clean`: never a builtin's. */
function name(r: Rng, clean: boolean): string {
  switch (r.weighted({ plain: 6, keyword: 2, code: 3, js: 1, builtin: clean ? 0 : 0.3, unicode: 0.5 })) {
    case 'plain':
      return r.pick(['a', 'b', 'h', 'x', 'W', 'U', 'z', 'q', 'Foo', '_x']) + (r.chance(0.6) ? String(r.int(40)) : r.pick(['', '_', '_all', '_initial', '_t', 'x']));
    case 'keyword':
      return r.pick(KEYWORD_PREFIXED);
    case 'code':
      return r.pick(CODE_NAMES);
    case 'js':
      return r.pick(JS_NAMES);
    case 'builtin':
      return r.pick(BUILTIN_NAMES);
    case 'unicode':
      return r.pick(UNICODE_NAMES);
  }
}

/** Distinct names: `n()` draws until it finds one not taken yet. */
function names(r: Rng, clean: boolean) {
  const used = new Set<string>();
  return (): string => {
    for (let k = 0; ; k++) {
      const x = k < 20 ? name(r, clean) : `n${k}_${r.int(1000)}`;
      if (!used.has(x)) {
        used.add(x);
        return x;
      }
    }
  };
}

const DIM = (r: Rng, clean: boolean): string => (clean || r.chance(0.97) ? String(1 + r.int(6)) : r.pick(HUGE));
/** A choice among `ok` values, or (unless clean) also among values a check may refuse. */
const pickOf = (r: Rng, clean: boolean, ok: string[], odd: string[]): string => r.pick(clean ? ok : [...ok, ...odd]);

/** A [hidden] expression over the cell's names, `depth` levels deep (well-typed). */
function expr(r: Rng, depth: number, v: { x: string; h: string; W: string; U: string; b: string; gates: string[] }, clean: boolean): string {
  if (depth <= 0 || r.chance(0.2)) return r.pick([`${v.W} @ ${v.x}`, `${v.U} @ ${v.h}`, v.b, v.h, ...v.gates]);
  const a = () => expr(r, depth - 1, v, clean);
  switch (r.int(11)) {
    case 0:
      return `${a()} + ${a()}`;
    case 1:
      return `${a()} * ${a()}`;
    case 2:
      return `${r.pick(['tanh', 'sigmoid', 'relu', 'softplus', 'exp'])}(${a()})`;
    case 3:
      return `(1 - ${a()})`;
    case 4:
      return `-${a()}`;
    case 5:
      return `${a()} / (${a()} * ${a()} + 1)`;
    case 6:
      return `leaky_relu(${a()}, ${pickOf(r, clean, ['0.1', '0'], ['1e400', '-2'])})`;
    case 7:
      return `${a()} * ${pickOf(r, clean, ['0.5', '2', '1e3', '3'], ['.5', '1e400', '1e-400'])}`;
    case 8:
      return `log(${a()} * ${a()} + 1)`;
    case 9:
      return `(${a()})`;
    default:
      return `${a()} - ${a()}`;
  }
}

/** A whole file: a cell (gates, a local binding, two or one states) and a model over it; `clean`: a valid one. */
function grammarModel(r: Rng, clean: boolean): string {
  const n = names(r, clean);
  const [Cell, x, h, c, inD, hidD, W, U, b] = [n(), n(), n(), n(), n(), n(), n(), n(), n()];
  const gates = Array.from({ length: r.int(3) }, () => n());
  const v = { x, h, W, U, b, gates: [] as string[] };
  const deep = 1 + r.int(4);
  // Sometimes a long chain of unary wrappers (a binary tree that deep would not fit in memory).
  const chain = !clean && r.chance(0.03) ? 20 + r.int(200) : 0;
  const wrap = (e: string): string => {
    for (let k = 0; k < chain; k++) e = r.pick(['tanh(', '(', '-(', 'sigmoid(']) + e + ')';
    return e;
  };
  const two = r.chance(0.5);
  const body: string[] = [`  param ${W}: [${hidD}, ${inD}]${r.chance(0.3) ? ` init ${pickOf(r, clean, ['xavier', 'zeros', 'orthogonal', 'normal(0.1)', 'ones'], ['uniform(1e400)', 'normal(-1)'])}` : ''}`, `  param ${U}: [${hidD}, ${hidD}]`, `  param ${b}: [${hidD}]`];
  for (const g of gates) {
    body.push(`  gate ${g} = sigmoid(${expr(r, deep, v, clean)})`);
    v.gates.push(g);
  }
  const z = n();
  body.push(`  ${z} = ${wrap(expr(r, deep, v, clean))}`);
  v.gates.push(z);
  if (two) body.push(`  ${c}' = ${expr(r, 2, v, clean)} * ${c} + ${z}`, `  ${h}' = tanh(${c}')`);
  else body.push(`  ${h}' = ${expr(r, 2, v, clean)}`);
  const states = two ? `${h}: [${hidD}], ${c}: [${hidD}]` : `${h}: [${hidD}]`;
  const [Model, embed, hidden, E, V, bias, e, layer, u] = [n(), n(), n(), n(), n(), n(), n(), n(), n()];
  const reversed = r.chance(0.1);
  const drop = r.chance(0.3) ? `dropout(${e}, ${pickOf(r, clean, ['0.25', '0', '0.5'], ['1', '1.5'])})` : e;
  const target = reversed ? 'token' : clean || r.chance(0.95) ? 'next' : 'token';
  const model = [
    `model ${Model} {`,
    `  dim vocab${r.chance(0.3) ? ` = ${DIM(r, clean)}` : ''}, ${embed} = ${DIM(r, clean)}, ${hidden} = ${DIM(r, clean)}`,
    `  param ${E}: [vocab, ${embed}]`,
    `  param ${V}: [vocab, ${hidden}]`,
    `  param ${bias}: [vocab]${r.chance(0.2) ? ' init zeros' : ''}`,
    `  ${e} = ${E}[token]`,
    `  ${layer} = ${reversed ? 'reverse ' : ''}${Cell}(${drop}, ${hidD} = ${hidden})`,
    `  ${u} = ${V} @ ${layer} + ${bias}`,
    `  loss cross_entropy(${u}, ${target})`,
    `}`,
  ];
  return [`cell ${Cell}(${x}: [${inD}]) -> (${states}) {`, ...body, '}', '', ...model, ''].join('\n');
}

/** Deep nesting of one construct inside an otherwise valid model. */
function deepNesting(r: Rng): string {
  const depth = r.pick([50, 150, 400, 1000, 1600, 3200]);
  const inner = (() => {
    switch (r.int(5)) {
      case 0:
        return '('.repeat(depth) + 'W @ x' + ')'.repeat(depth);
      case 1:
        return '-'.repeat(depth) + 'W @ x';
      case 2:
        return 'tanh('.repeat(depth) + 'W @ x' + ')'.repeat(depth);
      case 3:
        return Array.from({ length: depth }, () => 'W @ x').join(' + ');
      default:
        return `(W${'^T'.repeat(depth * 2)}) @ x`;
    }
  })();
  return `cell C(x: [n]) -> (h: [n]) {\n  param W: [n, n]\n  h' = ${inner}\n}\nmodel M {\n  dim vocab = 5, n = 3\n  param E: [vocab, n]\n  h1 = C(E[token], n = n)\n  loss cross_entropy(E @ h1, next)\n}\n`;
}

type Mutation = 'delete' | 'duplicate' | 'swap' | 'replace' | 'insert';
const POOL = (): string[] => [...KEYWORDS, ...KEYWORD_PREFIXED, ...CODE_NAMES, ...JS_NAMES, ...BUILTIN_NAMES, ...PUNCT, ...HUGE, ...STRINGS, ...ODD, '0.5', '1', '2'];
const MUTATION_POOL = POOL();

/** 1–8 token mutations of a shipped model (the file's own tokens, or the pool). */
function mutated(r: Rng, path: string): string {
  const own = TOKENS.get(path)!;
  const t = [...own];
  const count = 1 + r.int(8);
  for (let k = 0; k < count && t.length > 0; k++) {
    const i = r.int(t.length);
    const m: Mutation = r.pick(['delete', 'duplicate', 'swap', 'replace', 'replace', 'insert']);
    const from = (): string => (r.chance(0.5) ? r.pick(MUTATION_POOL) : r.pick(own));
    if (m === 'delete') t.splice(i, 1);
    else if (m === 'duplicate') t.splice(i, 0, t[i]);
    else if (m === 'swap') {
      const j = r.int(t.length);
      [t[i], t[j]] = [t[j], t[i]];
    } else if (m === 'replace') t[i] = from();
    else t.splice(i, 0, from());
  }
  return t.join('');
}

/** Odd characters: a BOM, NULs, CRs, separators, lone surrogates, in or around a shipped model (a BOM or CRLF line ends: it must still check). */
function oddBytes(r: Rng, path: string): { text: string; mustCheck: boolean } {
  const base = FILES.get(path)!;
  if (r.chance(0.3)) return { text: '\uFEFF' + base, mustCheck: true };
  if (r.chance(0.2)) return { text: base.replace(/\n/g, '\r\n'), mustCheck: true };
  const chars = r.chance(0.8) ? [...base] : [];
  const count = 1 + r.int(4);
  for (let k = 0; k < count; k++) chars.splice(r.int(chars.length + 1), 0, r.pick(ODD));
  return { text: chars.join(''), mustCheck: false };
}

const GRAMMARISH = [...'abcxyzEWhTU_019.', ...`[]()@+-*/=:,'#"{}^`, ' ', ' ', '\n', '\t'];
const GRAMMARISH_WORDS = [...KEYWORDS.map((k) => ` ${k} `), ...BUILTIN_NAMES, '->', '^T', ' = ', "h'"];

function soup(r: Rng): string {
  const len = r.int(300);
  let s = '';
  for (let k = 0; k < len; k++) s += r.chance(0.7) ? r.pick(GRAMMARISH) : r.pick(GRAMMARISH_WORDS);
  return s;
}

function arbitrary(r: Rng): string {
  const len = r.int(200);
  let s = '';
  for (let k = 0; k < len; k++) s += String.fromCharCode(r.chance(0.8) ? 32 + r.int(95) : r.int(0x10000));
  return s;
}

const DIMS: (AnalyzeOptions['dims'] | undefined)[] = [undefined, { vocab: 65 }, { vocab: 1, hidden: 3, embed: 2 }, new Map([['vocab', 10_000], ['in', 7]])];

/** Case `index` of the run with this seed. */
export function generateCase(seed: number, index: number): FuzzCase {
  const r = new Rng((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
  const kind = r.weighted({ mutate: 40, grammar: 30, deep: 2, odd: 8, large: 0.1, soup: 12, arbitrary: 8 });
  const path = r.pick(PATHS);
  const dims = kind === 'grammar' ? r.pick([undefined, undefined, { vocab: 5 }]) : r.pick(DIMS);
  switch (kind) {
    case 'mutate':
      return { kind, root: path, text: mutated(r, path), dims };
    case 'grammar': {
      const clean = r.chance(0.5);
      return { kind, root: 'models/fuzz.rnn', text: grammarModel(r, clean), dims, mustCheck: clean };
    }
    case 'deep':
      return { kind, root: 'models/fuzz.rnn', text: deepNesting(r), dims };
    case 'odd': {
      const { text, mustCheck } = oddBytes(r, path);
      return { kind, root: path, text, dims: mustCheck ? { vocab: 65 } : dims, mustCheck };
    }
    case 'large':
      // A file of many copies of a cell (renamed): size grows, the structure does not.
      return { kind, root: 'models/cells/fuzz.rnn', text: Array.from({ length: 50 + r.int(400) }, (_, k) => FILES.get('models/cells/lstm.rnn')!.replace(/cell LSTM/, `cell L${k}`)).join('\n'), dims };
    case 'soup':
      return { kind, root: r.pick(['fuzz.rnn', 'models/fuzz.rnn']), text: soup(r), dims };
    default:
      return { kind, root: 'fuzz.rnn', text: arbitrary(r), dims };
  }
}
