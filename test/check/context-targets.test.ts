// Loss targets at context positions (skip-gram: cross_entropy(logits, token@-2, …, token@+2)):
// where the checker allows them, and the located diagnostics where it does not.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contextTargets } from '../../src/check/rules/context-targets.ts';
import { tokenOffsets, MAX_TOKEN_OFFSET } from '../../src/check/rules/token-offsets.ts';
import { analyze, renderDiagnostics } from '../../src/frontend.ts';
import { ELMAN, VALID_PROGRAMS, diagnose, diagnoseCode, err, memoryReader } from './helpers.ts';

const CODE = contextTargets.name;

const skip = (targets: string, input = 'E[token]', extra = '') => `model Skip {
  dim vocab
  dim embed = 4
  param E: [vocab, embed]
  param V: [vocab, embed], b: [vocab]
${extra}  loss cross_entropy(V @ ${input} + b, ${targets})
}
`;

describe(`rule context-target (${CODE})`, () => {
  it('has the code its diagnostics use', () => {
    expect(CODE).toBe('context-target');
  });

  it.each(Object.keys(VALID_PROGRAMS))('reports nothing on the valid %s', (name) => {
    expect(diagnoseCode(CODE, VALID_PROGRAMS[name])).toEqual([]);
  });

  it('accepts context positions on both sides, one alone, with or without spaces and signs', () => {
    for (const t of ['token@-2, token@-1, token@+1, token@+2', 'token@3', 'token @ -1', `token@-${MAX_TOKEN_OFFSET}, token@${MAX_TOKEN_OFFSET}`]) expect(diagnose(skip(t))).toEqual([]);
    // A centre read through a hidden layer, with a lookup on the other side of the targets.
    expect(diagnose(skip('token@+1, token@+2', 'tanh(E[token] + E[token@-1])'))).toEqual([]);
  });

  it('the shipped models/skipgram.rnn checks clean', () => {
    expect(diagnose(readFileSync('models/skipgram.rnn', 'utf8'))).toEqual([]);
  });

  it('refuses predicting next with other targets, at next', () => {
    expect(diagnose(skip('token@-1, next'))).toEqual([
      err(CODE, 'a loss that predicts next has no other target', 'next', 'predict next alone (a language model), or only positions token@k (skip-gram)'),
    ]);
  });

  it('refuses a lookup of a position the loss predicts, at the lookup’s offset (a word is not its own context)', () => {
    expect(diagnose(skip('token@-1, token@+1', 'tanh(E[token] + E[token@+1])'))).toEqual([
      err(CODE, 'E[token@+1] reads token@+1, which the loss predicts', '+1', 'a word is not its own context: drop the lookup, or the target token@+1'),
    ]);
    // The centre too, once the loss names context positions.
    expect(diagnose(skip('token, token@-1'))).toEqual([err(CODE, 'E[token] reads token, which the loss predicts', 'E[token]', 'a word is not its own context: drop the lookup, or the target token')]);
  });

  it('refuses a position predicted twice, at the second', () => {
    expect(diagnose(skip('token@-1, token@1, token@+1'))).toEqual([err(CODE, 'token@+1 is already a target of this loss', 'token@+1', 'each position is predicted once')]);
  });

  it('refuses context positions in a model with a layer, whose state has read the other steps', () => {
    const text = `${ELMAN}\n${skip('token@-1', 'h', '  h = Elman(E[token], hidden = embed)\n')}`;
    expect(diagnose(text)).toEqual([
      err(CODE, "token@-1 is a context position, and a layer's state has read the tokens of other steps, which may include it", 'token@-1', 'predict context positions from lookups alone (models/skipgram.rnn), or predict next'),
    ]);
  });

  it('prints file:line:col, the line and a caret', () => {
    const a = analyze('skip.rnn', { readFile: memoryReader({ 'skip.rnn': skip('token@-2, token@-1, next') }) });
    expect(renderDiagnostics(a).join('\n')).toContain('skip.rnn:6:60: error: a loss that predicts next has no other target\n');
    expect(renderDiagnostics(a).join('\n')).toMatch(/\n\s*\|\s+\^{4}/);
  });
});

describe('token@k alone: the token-offset rule', () => {
  const T = tokenOffsets.name;
  it('refuses an offset beyond the limit, at the offset', () => {
    expect(diagnose(skip(`token@-1, token@+${MAX_TOKEN_OFFSET + 1}`))).toEqual([
      err(T, `an offset of ${MAX_TOKEN_OFFSET + 1} steps is beyond the ${MAX_TOKEN_OFFSET} a model may look away`, `+${MAX_TOKEN_OFFSET + 1}`, `use an offset between -${MAX_TOKEN_OFFSET} and ${MAX_TOKEN_OFFSET}`),
    ]);
  });

  it('refuses next@k, and token@k anywhere but a target', () => {
    // Only `token` takes an offset alone: `next@-1` is a product, refused as one.
    expect(diagnose(skip('next@-1')).map((d) => d.code)).toContain('loss');
    const found = diagnose(skip('token@+1', 'E[(token@-1)]'));
    expect(found).toContainEqual(err(T, 'token@-1 stands alone only as a target of cross_entropy', '(token@-1)', 'look it up in an embedding: E[token@-1]'));
  });

  it('still refuses a look-ahead lookup when the loss predicts next', () => {
    expect(diagnoseCode(T, skip('next', 'E[token@+2]')).map((d) => d.message)).toEqual(['E[token@+2] reads 1 token past the one to predict; a model whose loss predicts next may look at the past only']);
  });
});

describe('grammar/README.md', () => {
  it('its skipgram.rnn checks clean and is the shipped model’s loss', () => {
    const block = /```rnn\n(# skipgram\.rnn[\s\S]*?)```/.exec(readFileSync('grammar/README.md', 'utf8'))![1];
    expect(diagnose(block)).toEqual([]);
    const loss = (text: string) => /loss cross_entropy\(.*\)/.exec(text)![0];
    expect(loss(block)).toBe(loss(readFileSync('models/skipgram.rnn', 'utf8')));
  });
});
