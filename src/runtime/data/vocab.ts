// A vocabulary: the list of tokens whose positions are the token ids, for characters or for
// words. It is saved beside a checkpoint as vocab.json ({"version": 1, "kind", "tokens"}),
// and the model's `vocab` dim is its size.
//
// Characters are Unicode code points (an emoji is one token, not two UTF-16 halves).
// Words follow the PTB convention of Zaremba's reader and PyTorch's word_language_model:
// each line is split on whitespace and followed by `<eos>`; a word not in the vocabulary
// becomes `<unk>`. Decoding writes words separated by spaces and `<eos>` as a line break.
import { DataError } from './errors.ts';
import { readText } from '../files.ts';

export type VocabKind = 'char' | 'word';

export const EOS = '<eos>';
export const UNK = '<unk>';

export interface VocabJSON {
  version?: 1;
  kind: VocabKind;
  tokens: string[];
}

const WHITESPACE = /\s/u;
const WORD_SPLIT = /\s+/u;

/**
 * Calls `fn` for each word-level token of `text` in order: the whitespace-separated words of
 * each line, then `<eos>`. Lines are separated by '\n' (a '\r' before it is whitespace); a
 * final line without '\n' still gets its `<eos>`, and a trailing '\n' does not start a new line.
 * Empty text has no line, hence no token.
 */
export function forEachWord(text: string, fn: (word: string) => void): void {
  if (text === '') return; // no line at all (Python's `for line in f` over an empty file)
  const lines = text.split('\n');
  const n = text.endsWith('\n') ? lines.length - 1 : lines.length;
  for (let l = 0; l < n; l++) {
    const words = lines[l].split(WORD_SPLIT);
    for (const w of words) if (w !== '') fn(w);
    fn(EOS);
  }
}

/** Line and column (1-based, in code points) of UTF-16 offset `at` in `text`. */
export function lineColumn(text: string, at: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < at; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: [...text.slice(start, at)].length + 1 };
}

function describeChar(c: string): string {
  const cp = c.codePointAt(0)!;
  const hex = 'U+' + cp.toString(16).toUpperCase().padStart(4, '0');
  return cp < 0x20 || cp === 0x7f || WHITESPACE.test(c) ? hex : `'${c}' (${hex})`;
}

export class Vocab {
  readonly kind: VocabKind;
  readonly tokens: readonly string[];
  /** Id of `<unk>`, or -1 (char vocabularies have none). */
  readonly unk: number;
  /** Id of `<eos>`, or -1 (char vocabularies have none). */
  readonly eos: number;
  private readonly ids: Map<string, number>;
  /** Char vocabularies: id of each BMP code point (-1 absent), for fast encoding. */
  private bmp: Int32Array | null = null;

  /** Validates the tokens (throws DataError naming `what`) and indexes them. */
  constructor(kind: VocabKind, tokens: readonly string[], what = 'vocabulary') {
    const fail = (msg: string): never => {
      throw new DataError(`${what}: ${msg}`);
    };
    if (kind !== 'char' && kind !== 'word') fail(`kind must be "char" or "word" (got ${JSON.stringify(kind)})`);
    if (!Array.isArray(tokens) || tokens.length === 0) fail('has no tokens');
    const ids = new Map<string, number>();
    tokens.forEach((t, i) => {
      if (typeof t !== 'string') fail(`token ${i} is not a string (${JSON.stringify(t)})`);
      if (kind === 'char') {
        if ([...t].length !== 1) fail(`token ${i} (${JSON.stringify(t)}) is not a single character, as a char vocabulary needs`);
      } else if (t === '' || WHITESPACE.test(t)) {
        fail(`token ${i} (${JSON.stringify(t)}) is empty or contains whitespace, which a word vocabulary cannot hold`);
      }
      const prev = ids.get(t);
      if (prev !== undefined) fail(`token ${JSON.stringify(t)} appears twice (ids ${prev} and ${i})`);
      ids.set(t, i);
    });
    if (kind === 'word') for (const s of [EOS, UNK]) if (!ids.has(s)) fail(`a word vocabulary must contain ${s}`);
    this.kind = kind;
    this.tokens = Object.freeze([...tokens]);
    this.ids = ids;
    this.unk = kind === 'word' ? ids.get(UNK)! : -1;
    this.eos = kind === 'word' ? ids.get(EOS)! : -1;
  }

  get size(): number {
    return this.tokens.length;
  }

  /** The id of `token`, or -1. */
  index(token: string): number {
    return this.ids.get(token) ?? -1;
  }

  has(token: string): boolean {
    return this.ids.has(token);
  }

  /** The token of `id` (throws RangeError outside [0, size)). */
  token(id: number): string {
    if (!(Number.isInteger(id) && id >= 0 && id < this.tokens.length)) throw new RangeError(`token id ${id} is outside the vocabulary [0, ${this.tokens.length})`);
    return this.tokens[id];
  }

  /**
   * Token ids of `text`. Words: out-of-vocabulary words become `<unk>`. Characters: a character
   * missing from the vocabulary is a DataError giving its line and column (`what` names the
   * text, e.g. the file or "prompt").
   */
  encode(text: string, what = 'text'): Int32Array {
    return this.kind === 'char' ? this.encodeChars(text, what) : this.encodeWords(text);
  }

  private encodeWords(text: string): Int32Array {
    let out = new Int32Array(Math.max(16, text.length >>> 2));
    let n = 0;
    const ids = this.ids;
    const unk = this.unk;
    forEachWord(text, (w) => {
      if (n === out.length) {
        const bigger = new Int32Array(out.length * 2);
        bigger.set(out);
        out = bigger;
      }
      out[n++] = ids.get(w) ?? unk;
    });
    return out.slice(0, n);
  }

  private encodeChars(text: string, what: string): Int32Array {
    if (!this.bmp) {
      const bmp = new Int32Array(65536).fill(-1);
      this.tokens.forEach((t, i) => {
        if (t.length === 1) bmp[t.charCodeAt(0)] = i;
      });
      this.bmp = bmp;
    }
    const bmp = this.bmp;
    const out = new Int32Array(text.length);
    let n = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      let id: number;
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
        const d = text.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          id = this.ids.get(text.slice(i, i + 2)) ?? -1;
          if (id >= 0) i++;
        } else id = bmp[c]; // a lone high surrogate is a character of its own, as buildCharVocab counts it
      } else id = bmp[c];
      if (id < 0) {
        const at = lineColumn(text, i);
        const ch = String.fromCodePoint(text.codePointAt(i)!);
        throw new DataError(`${what}:${at.line}:${at.col}: character ${describeChar(ch)} is not in the vocabulary (${this.size} characters)`);
      }
      out[n++] = id;
    }
    return n === out.length ? out : out.slice(0, n);
  }

  /** Text of token ids: characters concatenated; words joined by spaces, `<eos>` as '\n'. */
  decode(ids: ArrayLike<number>): string {
    if (this.kind === 'char') {
      let s = '';
      for (let i = 0; i < ids.length; i++) s += this.token(ids[i]);
      return s;
    }
    const parts: string[] = [];
    let lineStart = true;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === this.eos) {
        parts.push('\n');
        lineStart = true;
      } else {
        parts.push(lineStart ? this.token(id) : ' ' + this.token(id));
        lineStart = false;
      }
    }
    return parts.join('');
  }

  /** Same kind and the same tokens in the same order. */
  equals(other: Vocab): boolean {
    return this.kind === other.kind && this.tokens.length === other.tokens.length && this.tokens.every((t, i) => t === other.tokens[i]);
  }

  toJSON(): VocabJSON {
    return { version: 1, kind: this.kind, tokens: [...this.tokens] };
  }

  /** Parses and validates a vocab.json object; errors are DataErrors naming `what`. */
  static fromJSON(json: unknown, what = 'vocab.json'): Vocab {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new DataError(`${what}: expected a JSON object {"kind": "char"|"word", "tokens": [...]}`);
    const o = json as Record<string, unknown>;
    if (o.version !== undefined && o.version !== 1) throw new DataError(`${what}: unsupported version ${JSON.stringify(o.version)} (this rnnc reads version 1)`);
    if (o.kind !== 'char' && o.kind !== 'word') throw new DataError(`${what}: "kind" must be "char" or "word" (got ${JSON.stringify(o.kind)})`);
    if (!Array.isArray(o.tokens)) throw new DataError(`${what}: "tokens" must be an array of strings`);
    return new Vocab(o.kind, o.tokens as string[], what);
  }
}

/** Reads and validates a vocab.json file. */
export function readVocab(path: string): Vocab {
  let text: string;
  try {
    text = readText(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read (${(e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DataError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  return Vocab.fromJSON(json, path);
}

/** A DataError if `actual` (e.g. a checkpoint's vocab) differs from `expected`, naming the first difference. */
export function assertSameVocab(expected: Vocab, actual: Vocab, what = 'vocabulary'): void {
  if (expected.equals(actual)) return;
  if (expected.kind !== actual.kind) throw new DataError(`${what}: a ${actual.kind}-level vocabulary where a ${expected.kind}-level one is expected`);
  if (expected.size !== actual.size) throw new DataError(`${what}: ${actual.size} tokens where ${expected.size} are expected`);
  const i = expected.tokens.findIndex((t, j) => t !== actual.tokens[j]);
  throw new DataError(`${what}: token ${i} is ${JSON.stringify(actual.tokens[i])} where ${JSON.stringify(expected.tokens[i])} is expected`);
}
