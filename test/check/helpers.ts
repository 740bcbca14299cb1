// Shared helpers for the semantic-check tests: analyze in-memory sources and reduce each
// diagnostic to what a test asserts on — code, message, the exact source text under its
// span, and its hint.
import { analyze, type Analysis } from '../../src/frontend.ts';
import type { Severity } from '../../src/util/diagnostic.ts';

export interface Found {
  code: string;
  severity: Severity;
  message: string;
  /** The source text the caret range covers ('' for a diagnostic with no span). */
  text: string;
  /** Undefined when the diagnostic has no hint, so `toEqual` may omit it. */
  hint?: string;
}

export type Sources = string | Record<string, string>;

/** A readFile over an in-memory map that fails like the disk does (code ENOENT). */
export function memoryReader(files: Record<string, string>): (path: string) => string {
  return (path) => {
    if (Object.prototype.hasOwnProperty.call(files, path)) return files[path];
    const e = new Error(`ENOENT: no such file or directory, open '${path}'`) as Error & { code: string };
    e.code = 'ENOENT';
    throw e;
  };
}

/** Analyzes `root` (default: main.rnn; a bare string is main.rnn's text). */
export function run(sources: Sources, root = 'main.rnn'): Analysis {
  const files = typeof sources === 'string' ? { [root]: sources } : sources;
  return analyze(root, { readFile: memoryReader(files) });
}

/** Every diagnostic of the analysis, in source order, as plain data. */
export function diagnose(sources: Sources, root = 'main.rnn'): Found[] {
  const a = run(sources, root);
  return a.diagnostics.map((d) => {
    const src = d.span ? a.sources.get(d.span.file) : undefined;
    const text = d.span && src ? src.text.slice(d.span.start, d.span.end) : '';
    const f: Found = { code: d.code, severity: d.severity, message: d.message, text };
    if (d.hint !== undefined) f.hint = d.hint;
    return f;
  });
}

/** Only the diagnostics with the given code. */
export function diagnoseCode(code: string, sources: Sources, root = 'main.rnn'): Found[] {
  return diagnose(sources, root).filter((d) => d.code === code);
}

/** An error as tests write it: severity defaults to error. */
export function err(code: string, message: string, text: string, hint?: string): Found {
  return hint === undefined ? { code, severity: 'error', message, text } : { code, severity: 'error', message, text, hint };
}

export function warn(code: string, message: string, text: string, hint?: string): Found {
  return hint === undefined ? { code, severity: 'warning', message, text } : { code, severity: 'warning', message, text, hint };
}

// ---- valid programs every rule must accept ----

export const LSTM = `# The lecture LSTM.
cell LSTM(x: [in]) -> (h: [hidden], c: [hidden]) {
  param W_i, W_f, W_o, W_c: [hidden, in]      init xavier
  param U_i, U_f, U_o, U_c: [hidden, hidden]  init orthogonal
  param b_i, b_o, b_c: [hidden]               init zeros
  param b_f: [hidden]                         init ones

  gate i = sigmoid(W_i @ x + U_i @ h + b_i)
  gate f = sigmoid(W_f @ x + U_f @ h + b_f)
  gate o = sigmoid(W_o @ x + U_o @ h + b_o)
  c_hat  = tanh(W_c @ x + U_c @ h + b_c)

  c' = f * c + i * c_hat
  h' = o * tanh(c')
}
`;

export const ELMAN = `cell Elman(x: [in]) -> h: [hidden] {
  param W: [hidden, in]      init xavier
  param U: [hidden, hidden]  init orthogonal
  param b: [hidden]          init zeros

  h' = tanh(W @ x + U @ h + b)
}
`;

export const GRU = `cell GRU(x: [in]) -> h: [hidden] {
  param W_z, W_r, W_h: [hidden, in]      init xavier
  param U_z, U_r, U_h: [hidden, hidden]  init orthogonal
  param b_z, b_r, b_h: [hidden]          init zeros

  gate z = sigmoid(W_z @ x + U_z @ h + b_z)
  gate r = sigmoid(W_r @ x + U_r @ h + b_r)
  h_hat  = tanh(W_h @ x + U_h @ (r * h) + b_h)

  h' = z * h + (1 - z) * h_hat
}
`;

export const CHAR_LSTM = `use "lstm.rnn"

model CharLSTM {
  dim vocab
  dim embed = 64, hidden = 256

  param E: [vocab, embed]          init normal(0.1)
  param V: [vocab, hidden]         init xavier
  param b_y: [vocab]               init zeros

  e  = E[token]
  h1 = LSTM(e,  hidden = hidden)
  h2 = LSTM(h1, hidden = hidden)
  loss cross_entropy(V @ h2 + b_y, next)
}
`;

export const TIED_LSTM = `use "lstm.rnn"

model WordLSTMTied {
  dim vocab
  dim embed = 200, hidden = 200

  param E: [vocab, embed]          init uniform(0.1)
  param b_y: [vocab]               init zeros

  e  = E[token]
  h1 = LSTM(e,  hidden = hidden)
  h2 = LSTM(h1, hidden = hidden)
  loss cross_entropy(E @ h2 + b_y, next)
}
`;

/** A model that exercises most of the language and is correct: no diagnostics at all. */
export const KITCHEN_SINK = `use "lstm.rnn"
use "elman.rnn"
use "gru.rnn"

model Everything {
  dim vocab
  dim embed = 32, hidden = 48

  param E: [vocab, embed]           init normal(0.1)
  param P: [embed, hidden]          init uniform(0.05)
  param b_y: [vocab]                init constant(0.5)

  e  = dropout(E[token], 0.1)
  h1 = LSTM(e, hidden = hidden)
  h2 = reverse GRU(h1, hidden = hidden)
  h3 = Elman(concat(h1, h2), hidden = hidden + 16)
  g  = leaky_relu(transpose(P)^T @ h2, 0.2) * sigmoid(-e) / 2
  loss cross_entropy(E @ g + b_y, token)
  loss tar(h3, 0.5)
}
`;

/** The standard valid programs, keyed by file name; main.rnn is the char LSTM. */
export function validProgram(main = CHAR_LSTM): Record<string, string> {
  return { 'main.rnn': main, 'lstm.rnn': LSTM, 'elman.rnn': ELMAN, 'gru.rnn': GRU };
}

/**
 * `main` (usually one model) with those of the standard cells LSTM, GRU and Elman it calls
 * imported (parsing is the slow part, so unused cells are left out). The `use`s go on main's
 * first line, so line numbers in messages match the text as the test shows it.
 */
export function withCells(main: string): Record<string, string> {
  const files: Record<string, string> = { 'main.rnn': main };
  const uses: string[] = [];
  for (const [cell, file, text] of [['LSTM', 'lstm.rnn', LSTM], ['GRU', 'gru.rnn', GRU], ['Elman', 'elman.rnn', ELMAN]]) {
    if (!new RegExp(`\\b${cell}\\s*\\(`).test(main)) continue;
    uses.push(`use "${file}" `);
    files[file] = text;
  }
  files['main.rnn'] = uses.join('') + main;
  return files;
}

/** Every valid program a rule's test asserts produces none of its diagnostics. */
export const VALID_PROGRAMS: Record<string, Record<string, string>> = {
  'char LSTM': validProgram(CHAR_LSTM),
  'tied word LSTM': validProgram(TIED_LSTM),
  'kitchen sink': validProgram(KITCHEN_SINK),
};

/** The warning of rules/unused-values.ts for a binding nothing reads (fixtures of other rules' errors often have one). */
export function unread(name: string, what: 'value' | 'layer' | 'gate' = 'value', unit: 'cell' | 'model' = 'cell'): Found {
  const layer = what === 'layer' ? ' (its states are carried, so training runs it forward and backward at every step)' : '';
  const hint = unit === 'model' ? `remove it, or read it in the loss or a later statement${layer}` : 'remove it, or use it in a state update';
  return warn('unused-value', `${what} '${name}' is never read`, name, hint);
}
