// Skip-gram's loss over context positions (cross_entropy(logits, token@-2, …, token@+2)) in
// generated code against the float64 reference interpreter, over several carried windows.
import { describe, expect, it } from 'vitest';
import { analyze, renderDiagnostics } from '../../src/frontend.ts';
import { compileModel } from '../../src/codegen/index.ts';
import type { IRModel } from '../../src/ir/types.ts';
import { compare } from './window-compare.ts';
import { formatIR } from '../../src/ir/print.ts';
import { lookaheadOf, unroll } from '../../src/graph/unroll.ts';

function model(path: string, dims: Record<string, number>, text?: string): IRModel {
  const a = analyze(path, text === undefined ? { dims } : { dims, readFile: () => text });
  if (!a.ok) throw new Error(renderDiagnostics(a).join('\n'));
  return a.models[0];
}

const skipgram = model('models/skipgram.rnn', { vocab: 6, embed: 3 });
// Context on one side only, a wider window, and a hidden layer between the centre and the softmax.
const variants: [string, IRModel][] = [
  ['skipgram.rnn (targets -2, -1, +1, +2: runs 2 steps late)', skipgram],
  [
    'targets behind only (-3, -1), a tanh layer',
    model('left.rnn', { vocab: 5 }, `model L {\n  dim vocab\n  param E: [vocab, 3]\n  param H: [4, 3]\n  param V: [vocab, 4], b: [vocab]\n  loss cross_entropy(V @ tanh(H @ E[token]) + b, token@-3, token@-1)\n}\n`),
  ],
  ['one target ahead (+3) from the centre and the word before', model('ahead.rnn', { vocab: 5 }, `model A {\n  dim vocab\n  param E: [vocab, 3]\n  param V: [vocab, 3]\n  loss cross_entropy(V @ (E[token] + E[token@-1]), token@+3)\n}\n`)],
];

describe('context-position targets: generated code equals the reference interpreter, history carried', () => {
  for (const [label, ir] of variants) {
    for (const T of [1, 2, 5, 9]) {
      it(`${label}, windows of ${T}: float64 within 1e-12`, () => {
        const r = compare(ir, 3, T, 4, 31 + T);
        expect(r.lossErr).toBeLessThan(1e-12);
        expect(r.gradErr).toBeLessThan(1e-12);
      });
    }
    it(`${label}: float32 through the WebAssembly kernels within 1e-5`, () => {
      const r = compare(ir, 3, 4, 3, 9, Float32Array, true);
      expect(r.lossErr).toBeLessThan(1e-5);
      expect(r.gradErr).toBeLessThan(1e-5);
    });
  }

  it('carries the 4 tokens before the window (centre 2 back, its left side 2 more) and one softmax of logits per step', () => {
    const c = compileModel(skipgram);
    expect(c.layout.states.map((s) => [s.name, s.size])).toEqual([['token@history', 4]]);
    expect(c.source.match(/k\.xent\(/g)).toHaveLength(4);
    expect(c.source.match(/k\.mvW\(|k\.mm\(/g)?.length).toBeGreaterThan(0);
  });

  it('the IR keeps the targets as offsets; the graph has one cross-entropy per target, 2 steps late, their mean the step loss', () => {
    expect(formatIR(skipgram)).toContain('loss =  cross_entropy(V @ E[token] + b, token@-2, token@-1, token@+1, token@+2)');
    expect(lookaheadOf(skipgram)).toBe(2);
    const g = unroll(skipgram, 1);
    const loss = g.nodes[g.stepLosses[0]];
    expect(loss.op).toBe('mean');
    expect(loss.inputs.map((i) => [g.nodes[i].op, g.nodes[i].attrs.offset ?? 0])).toEqual([['cross_entropy', -4], ['cross_entropy', -3], ['cross_entropy', -1], ['cross_entropy', 0]]);
    expect(g.nodes.filter((n) => n.op === 'gather').map((n) => n.attrs.offset)).toEqual([-2]);
  });
});
