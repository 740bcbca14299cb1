// The n-gram library: what `rnnc ngram` uses, and what `rnnc eval/score/sample` and `--mix`
// need to treat an ARPA file like a checkpoint.
//   readArpa(path)                      load an ARPA model (KenLM, SRILM, rnnc, by hand)
//   model.vocab.encode(text)            token ids, tokenised as rnnc does at the model's level
//   scoreTokens(model, ids)             ln p of each token given the ones before it
//   evaluateNgram(model, ids, protocol) mean NLL / perplexity ('stream' = rnnc eval's protocol)
//   new NgramScorer(model)              running context: observe(id), logProb(id), distribution()
//   model.vocab.mapVocab(rnncVocab)     rnnc token id → model id, to mix per token
//   scoreVocabTokens(model, vocab, ids) ln p of a neural model's token ids (mapped by name)
//   sampleNgram(model, options)         text
//   new VocabProjection(model, vocab)   the n-gram's distribution carried onto a neural vocabulary
//   tuneWeights(probs) / mixProbs(…)    mixture weights by EM; the mixture's per-token p
//   componentProbs(neural, ngrams, text) the per-token p of each component, for `eval --mix`
export { readArpa, parseArpa } from './arpa-read.ts';
export { writeArpa, arpaText } from './arpa-write.ts';
export { NgramModel, LOG10_ZERO, MAX_ORDER } from './model.ts';
export { NgramScorer, scoreTokens, scoreVocabTokens, evaluateNgram, type NgramEvaluation, type Protocol } from './score.ts';
export { VocabProjection, projectedProbs, mixProbs, mixedMeanLn, tuneWeights, type TuneResult } from './mix.ts';
export { componentProbs, type ComponentProbs } from './mix-text.ts';
export { scoreArpaText, type ArpaScore } from './arpa-text.ts';
export { sampleNgram, type NgramSampleOptions } from './sample.ts';
export { trainNgram, SMOOTHINGS, isSmoothing, type Smoothing, type NgramTrainOptions } from './train.ts';
export { NgramVocab, BOS_WORD, EOS_WORD, UNK_WORD } from './vocab.ts';
