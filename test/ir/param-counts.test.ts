// Parameter counts of the shipped models and cells, against numbers worked out by hand
// from the equations (an LSTM layer has 4 gates, each W: [H, in], U: [H, H], b: [H]).
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/frontend.ts';

const lstm = (inp: number, h: number): number => 4 * h * inp + 4 * h * h + 4 * h;

function model(path: string, vocab: number) {
  const a = analyze(path, { dims: { vocab } });
  expect(a.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  expect(a.models).toHaveLength(1);
  return a.models[0];
}

describe('parameter counts', () => {
  it('char-lstm: embedding 64 -> 2 x LSTM 256 -> softmax over 65 chars', () => {
    const m = model('models/char-lstm.rnn', 65);
    // E 65x64 + LSTM(64->256) + LSTM(256->256) + V 65x256 + b 65
    const byHand = 65 * 64 + lstm(64, 256) + lstm(256, 256) + 65 * 256 + 65;
    expect(byHand).toBe(874_881);
    expect(m.totalParams).toBe(byHand);
    expect(m.params.reduce((s, p) => s + (p.size as number), 0)).toBe(byHand);
  });

  it("word-lstm: Zaremba's small config on PTB's 10k vocabulary, two biases per gate", () => {
    const m = model('models/word-lstm.rnn', 10_000);
    const byHand = 10_000 * 200 + (lstm(200, 200) + 4 * 200) * 2 + 10_000 * 200 + 10_000;
    expect(byHand).toBe(4_653_200); // "params" in ../shared/peers/torch.sh wordlm's output
    expect(m.totalParams).toBe(byHand);
  });

  it('word-lstm-tied drops the output matrix', () => {
    const m = model('models/word-lstm-tied.rnn', 10_000);
    expect(m.totalParams).toBe(10_000 * 200 + (lstm(200, 200) + 4 * 200) * 2 + 10_000);
    expect(m.params.map((p) => p.name)).not.toContain('V');
  });

  it('with vocab unbound, the count is a polynomial in vocab', () => {
    const a = analyze('models/char-lstm.rnn');
    expect(a.ok).toBe(true);
    // 65-independent part: LSTM layers; vocab part: E (64) + V (256) + b (1) per token.
    expect(a.models[0].totalParams).toBe(`321*vocab + ${(lstm(64, 256) + lstm(256, 256)).toLocaleString('en-US').replace(/,/g, '')}`);
  });

  it('--dims overrides a declared dim', () => {
    const a = analyze('models/char-lstm.rnn', { dims: { vocab: 65, hidden: 8, embed: 4 } });
    expect(a.models[0].totalParams).toBe(65 * 4 + lstm(4, 8) + lstm(8, 8) + 65 * 8 + 65);
  });

  it('every cell reports its parameter count as a polynomial in its dims', () => {
    const counts = (path: string) => Object.fromEntries(analyze(path).cells.map((c) => [c.name, c.paramCount]));
    expect(counts('models/cells/lstm.rnn')).toEqual({ LSTM: '4*hidden^2 + 4*hidden*in + 4*hidden' });
    expect(counts('models/cells/lstm-zaremba.rnn')).toEqual({ ZarembaLSTM: '4*hidden^2 + 4*hidden*in + 8*hidden' });
    expect(counts('models/cells/elman.rnn')).toEqual({ Elman: 'hidden^2 + hidden*in + hidden' });
    expect(counts('models/cells/gru.rnn')).toEqual({
      GRU: '3*hidden^2 + 3*hidden*in + 3*hidden',
      // reset-after has the extra recurrent bias c_n (PyTorch's b_hn)
      GRUResetAfter: '3*hidden^2 + 3*hidden*in + 4*hidden',
    });
    expect(counts('models/cells/mgu.rnn')).toEqual({ MGU: '2*hidden^2 + 2*hidden*in + 2*hidden' });
    // 4 gates' W, U, b plus three diagonal peephole vectors
    expect(counts('models/cells/lstm-peephole.rnn')).toEqual({ PeepholeLSTM: '4*hidden^2 + 4*hidden*in + 7*hidden' });
  });
});
