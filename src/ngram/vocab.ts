// The words of an n-gram model, spelled as ARPA files spell them, and how rnnc's token
// streams map onto ARPA's sentences.
//
// Sentence boundaries: rnnc's `<eos>` (word level: the end of each line; char level: the
// newline character) IS ARPA's `</s>` — a token that is predicted and counted like any other.
// ARPA's `<s>` is never predicted: it is the context at the start of the stream and after
// each `</s>`, so every line is scored as the sentence `<s> w1 … wk </s>`, as KenLM and
// SRILM score a line. `<unk>` is rnnc's `<unk>`.
//
// Ids: a model trained here keeps rnnc's token ids (id i is token i of the rnnc vocabulary),
// then `<s>` (and `</s>` for a char vocabulary without a newline); a model read from an ARPA
// file numbers its words in the order of its 1-grams.
//
// Char level in ARPA: a character is its own word, except whitespace, which ARPA cannot hold
// inside a word: it is written `<U+0020>` (hex code point), and the newline is `</s>`.
import { DataError } from '../runtime/data/errors.ts';
import { EOS, forEachWord, lineColumn, type Vocab, type VocabKind } from '../runtime/data/vocab.ts';

export const BOS_WORD = '<s>';
export const EOS_WORD = '</s>';
export const UNK_WORD = '<unk>';

const WHITESPACE = /\s/u;
const ESCAPED = /^<U\+([0-9A-F]{4,6})>$/;

/** ARPA spelling of a character token. */
export function charName(c: string): string {
  if (c === '\n') return EOS_WORD;
  return WHITESPACE.test(c) ? `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>` : c;
}

/** The character an ARPA char-level word stands for, or null for `<s>`/`<unk>`/a bad name. */
function nameChar(name: string): string | null {
  if (name === EOS_WORD) return '\n';
  const m = ESCAPED.exec(name);
  if (m) return String.fromCodePoint(parseInt(m[1], 16));
  return [...name].length === 1 ? name : null;
}

export class NgramVocab {
  readonly level: VocabKind;
  /** ARPA spelling of each id. */
  readonly names: readonly string[];
  readonly bos: number;
  readonly eos: number;
  /** Id of `<unk>`, or -1 (then an unknown word is out of vocabulary: not scored). */
  readonly unk: number;
  private readonly ids = new Map<string, number>();
  /** Char level: id of each character. */
  private readonly chars = new Map<string, number>();

  /** `names` in id order; throws DataError (naming `what`) on duplicates, missing `<s>`/`</s>`, bad char names. */
  constructor(level: VocabKind, names: readonly string[], what = 'n-gram vocabulary') {
    names.forEach((n, i) => {
      const prev = this.ids.get(n);
      if (prev !== undefined) throw new DataError(`${what}: the word ${JSON.stringify(n)} appears twice`);
      this.ids.set(n, i);
      if (level === 'char' && n !== BOS_WORD && n !== UNK_WORD) {
        const c = nameChar(n);
        if (c === null) throw new DataError(`${what}: ${JSON.stringify(n)} is not a character (a char-level model spells whitespace <U+XXXX>)`);
        this.chars.set(c, i);
      }
    });
    for (const s of [BOS_WORD, EOS_WORD]) if (!this.ids.has(s)) throw new DataError(`${what}: has no ${s}, which every ARPA model needs`);
    this.level = level;
    this.names = Object.freeze([...names]);
    this.bos = this.ids.get(BOS_WORD)!;
    this.eos = this.ids.get(EOS_WORD)!;
    this.unk = this.ids.get(UNK_WORD) ?? -1;
  }

  /** The model vocabulary of an rnnc vocabulary: the same ids, then `<s>` (and `</s>` if there is no end token). */
  static fromVocab(v: Vocab): NgramVocab {
    if (v.kind === 'word') {
      for (const r of [BOS_WORD, EOS_WORD]) if (v.has(r)) throw new DataError(`the text contains the word ${r}, which ARPA reserves for sentence boundaries (rnnc's line end is ${EOS})`);
    }
    const names = v.tokens.map((t) => (v.kind === 'word' ? (t === EOS ? EOS_WORD : t) : charName(t)));
    names.push(BOS_WORD);
    if (!names.includes(EOS_WORD)) names.push(EOS_WORD);
    return new NgramVocab(v.kind, names);
  }

  get size(): number {
    return this.names.length;
  }

  /** Id of an ARPA word, or -1. */
  index(name: string): number {
    return this.ids.get(name) ?? -1;
  }

  /**
   * Model ids of rnnc vocabulary `v`'s tokens (-1 where the model lacks a token and has no
   * `<unk>`): how a neural model's predictions line up with this model's.
   */
  mapVocab(v: Vocab): Int32Array {
    const out = new Int32Array(v.size);
    v.tokens.forEach((t, i) => {
      const name = v.kind === 'word' ? (t === EOS ? EOS_WORD : t) : charName(t);
      const id = this.index(name);
      out[i] = id >= 0 && id !== this.bos ? id : this.unk;
    });
    return out;
  }

  /**
   * Ids of `text`, tokenised as rnnc tokenises at this level (see the file comment). Words not
   * in the model become `<unk>` (or -1 without one); a character not in a char model is a
   * DataError with its line and column, as rnnc reports it.
   */
  encode(text: string, what = 'text'): Int32Array {
    const out: number[] = [];
    if (this.level === 'word') {
      forEachWord(text, (w) => {
        if (w === EOS) out.push(this.eos);
        else if (w === BOS_WORD || w === EOS_WORD) out.push(this.unk);
        else out.push(this.ids.get(w) ?? this.unk);
      });
      return Int32Array.from(out);
    }
    let at = 0;
    for (const c of text) {
      const id = this.chars.get(c) ?? this.unk;
      if (id < 0) {
        const p = lineColumn(text, at);
        throw new DataError(`${what}:${p.line}:${p.col}: character U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} is not in the model's ${this.chars.size} characters`);
      }
      out.push(id);
      at += c.length;
    }
    return Int32Array.from(out);
  }

  /** Text of ids: words joined by spaces with `</s>` as a line break; characters concatenated. */
  decode(ids: ArrayLike<number>): string {
    let s = '';
    let lineStart = true;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === this.eos) {
        s += '\n';
        lineStart = true;
      } else if (this.level === 'char') {
        s += nameChar(this.names[id]) ?? this.names[id];
      } else {
        s += (lineStart ? '' : ' ') + this.names[id];
        lineStart = false;
      }
    }
    return s;
  }
}
