// The library refuses what the CLI refuses: sample() and scoreText() (what rnnc score and
// --mix read) of a model whose loss does
// not predict the next token (CBOW, skip-gram) throw CompileError with the refusal line; a
// language model beside them samples and scores as before.
import { describe, expect, it } from 'vitest';
import { buildCharVocab, compile } from '../../src/index.ts';
import { scoreText } from '../../src/runtime/score.ts';
import { CompileError } from '../../src/runtime/model.ts';

const text = 'the cat sat on the mat and the dog sat on the log ';
const vocab = buildCharVocab(text);

describe('sample() and scoreText() on models that do not predict next', () => {
  for (const [file, what] of [['models/cbow.rnn', 'token'], ['models/skipgram.rnn', 'token@-2']] as const) {
    it(`${file}: both throw CompileError naming ${what}`, () => {
      const m = compile(file, { vocab, dims: { embed: 4 } }).init(1);
      expect(() => m.sample({ length: 5 })).toThrow(CompileError);
      expect(() => m.sample({ length: 5 })).toThrow(new RegExp(`cannot sample text: its loss predicts .*${what}.*use evaluate\\(\\) for its loss`));
      expect(() => scoreText(m, text)).toThrow(/cannot score a text token by token/);
    });
  }

  it('a next-token model still samples and scores', () => {
    const m = compile('models/window-lm.rnn', { vocab, dims: { embed: 4, hidden: 8 } }).init(1);
    expect(m.sample({ length: 5, seed: 3 }).ids).toHaveLength(5);
    expect(scoreText(m, text).tokens.length).toBeGreaterThan(10);
  });
});
