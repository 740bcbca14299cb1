// Building vocabularies from a corpus, and tokenising text with one.
//
// Characters: the distinct code points of the text, sorted by code point (Python's
// sorted(set(text)), as char-rnn and nanoGPT do).
// Words (PTB convention, see vocab.ts for the splitting): tokens sorted by descending count,
// then by code-point order of the word (Python's string order, not JavaScript's UTF-16
// code-unit order, which differs for characters above U+FFFF) — TensorFlow's ptb reader.py
// order, which the PyTorch
// peer in ../shared/peers uses too, so PTB gets exactly its 10,000-word vocabulary. `<eos>`
// and `<unk>` are always in a word vocabulary (`<unk>`'s count is its own occurrences plus
// those of the words it replaces, so it sorts as if the rare words had been replaced first;
// with no word replaced and none in the text it comes last). Options:
//   minCount  words seen fewer times become `<unk>` (default 1: keep all)
//   maxVocab  at most this many tokens in total, `<eos>` and `<unk>` included; the most
//             frequent words are kept (default: no limit)
import { DataError } from './errors.ts';
import { EOS, UNK, forEachWord, Vocab, type VocabKind } from './vocab.ts';

export interface WordVocabOptions {
  minCount?: number;
  maxVocab?: number;
}

export type VocabOptions = WordVocabOptions;

/** Char vocabulary: the distinct code points of `text`, sorted by code point. */
export function buildCharVocab(text: string): Vocab {
  const seen = new Set<string>();
  // Fast path over UTF-16 units; surrogate pairs are joined into one code point.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        seen.add(text.slice(i, i + 2));
        i++;
        continue;
      }
    }
    seen.add(text[i]);
  }
  if (seen.size === 0) throw new DataError('cannot build a character vocabulary from empty text');
  const tokens = [...seen].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  return new Vocab('char', tokens);
}

/** Python's string order: by code point (UTF-16 `<` puts U+E000..U+FFFF after astral characters). */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x - y;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** Counts of each word-level token (`<eos>` included), in first-seen order. */
export function countWords(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  forEachWord(text, (w) => counts.set(w, (counts.get(w) ?? 0) + 1));
  return counts;
}

/** Word vocabulary of `text` (PTB convention); see the file comment for the order and options. */
export function buildWordVocab(text: string, options: WordVocabOptions = {}): Vocab {
  const minCount = options.minCount ?? 1;
  const maxVocab = options.maxVocab ?? Infinity;
  if (!(Number.isInteger(minCount) && minCount >= 1)) throw new DataError(`--min-count must be an integer ≥ 1 (got ${minCount})`);
  if (!(maxVocab === Infinity || (Number.isInteger(maxVocab) && maxVocab >= 2))) throw new DataError(`--max-vocab must be an integer ≥ 2, room for ${EOS} and ${UNK} (got ${maxVocab})`);
  const counts = countWords(text);
  const byFrequency = (a: [string, number], b: [string, number]) => b[1] - a[1] || compareCodePoints(a[0], b[0]);
  // Ordinary words (not the two specials), most frequent first; keep those that pass minCount
  // and fit into maxVocab beside <eos> and <unk>.
  const words = [...counts].filter(([w]) => w !== EOS && w !== UNK).sort(byFrequency);
  const room = maxVocab - 2;
  let unkCount = counts.get(UNK) ?? 0;
  const kept: [string, number][] = [];
  for (const entry of words) {
    if (entry[1] >= minCount && kept.length < room) kept.push(entry);
    else unkCount += entry[1];
  }
  kept.push([EOS, counts.get(EOS) ?? 0], [UNK, unkCount]);
  kept.sort(byFrequency);
  return new Vocab('word', kept.map(([w]) => w));
}

/** A vocabulary of `kind` built from `text` (word options are ignored for characters). */
export function buildVocab(kind: VocabKind, text: string, options: VocabOptions = {}): Vocab {
  return kind === 'char' ? buildCharVocab(text) : buildWordVocab(text, options);
}

/** Token ids of `text` under `vocab` (see Vocab.encode). */
export function tokenize(text: string, vocab: Vocab, what = 'text'): Int32Array {
  return vocab.encode(text, what);
}
