// The small character corpus the training tests share: a two-sentence text repeated, its
// vocabulary, and the first 90 % / last 10 % of its ids (the CLI's default split).
import { buildCharVocab } from '../../src/runtime/data/tokenize.ts';

export function catCorpus(repeats: number) {
  const text = 'the cat sat on the mat. the dog sat on the log. a cat and a dog met on a mat by a log.\n'.repeat(repeats);
  const vocab = buildCharVocab(text);
  const ids = vocab.encode(text);
  const cut = Math.floor(ids.length * 0.9);
  return { text, vocab, train: ids.subarray(0, cut), valid: ids.subarray(cut) };
}
