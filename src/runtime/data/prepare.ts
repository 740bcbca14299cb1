// From files on disk to token streams: read the training (and validation) text, build or
// reuse the vocabulary, and tokenise. The settings are kept in a checkpoint, so a resumed run
// reads exactly the same tokens.
import { readCorpus, splitText } from './corpus.ts';
import { buildVocab } from './tokenize.ts';
import { assertSameVocab, type Vocab, type VocabKind } from './vocab.ts';
import { DataError } from './errors.ts';

export interface DataSettings {
  kind: VocabKind;
  /** Training text file. */
  train: string;
  /** Validation text file; or null with `split` to hold out the end of the training text. */
  valid: string | null;
  split: number | null;
  minCount: number;
  maxVocab: number | null;
}

export interface PreparedData {
  vocab: Vocab;
  train: Int32Array;
  valid: Int32Array | null;
}

/**
 * Reads and tokenises. Char vocabularies cover the validation text too (a character seen
 * only there would otherwise be an error); word vocabularies come from the training text
 * alone, and unseen validation words become `<unk>`. With `vocab` (a checkpoint's), that
 * vocabulary is used and must be the one these settings build.
 */
export function prepareData(s: DataSettings, vocab?: Vocab): PreparedData {
  let trainText = readCorpus(s.train, 'training text');
  let validText: string | null = null;
  if (s.valid !== null) validText = readCorpus(s.valid, 'validation text');
  else if (s.split !== null) ({ train: trainText, valid: validText } = splitText(trainText, s.split));
  const opts = { minCount: s.minCount, maxVocab: s.maxVocab ?? undefined };
  const built = buildVocab(s.kind, s.kind === 'char' && validText !== null ? trainText + validText : trainText, opts);
  if (vocab) assertSameVocab(vocab, built, `the vocabulary of ${s.train} (with these settings) differs from the checkpoint's`);
  const v = vocab ?? built;
  const train = v.encode(trainText, s.train);
  const valid = validText === null ? null : v.encode(validText, s.valid ?? `${s.train} (validation split)`);
  if (train.length < 2) throw new DataError(`training text ${s.train} has ${train.length} token${train.length === 1 ? '' : 's'}; it needs at least one window`);
  if (valid && valid.length < 2) throw new DataError(`the validation text has ${valid.length} token${valid.length === 1 ? '' : 's'}; it needs at least 2 (or drop --valid/--split)`);
  return { vocab: v, train, valid };
}
