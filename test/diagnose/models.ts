// Small models for the diagnose tests: one Elman, GRU and LSTM layer over a tiny vocabulary.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'rnnc-diagnose-'));
const cells = resolve('models/cells');

/** A .rnn file: embedding → `layers` × cell → softmax, dims bound. */
export function smallModel(cell: 'Elman' | 'GRU' | 'LSTM', o: { vocab?: number; hidden?: number; layers?: number } = {}): string {
  const file = { Elman: 'elman.rnn', GRU: 'gru.rnn', LSTM: 'lstm.rnn' }[cell];
  const layers = o.layers ?? 1;
  const hs = Array.from({ length: layers }, (_, i) => `  h${i + 1} = ${cell}(${i === 0 ? 'e' : `h${i}`}, hidden = hidden)`);
  const src = [
    `use "${join(cells, file)}"`,
    `model Small${cell} {`,
    `  dim vocab = ${o.vocab ?? 7}`,
    `  dim embed = 5, hidden = ${o.hidden ?? 6}`,
    '  param E: [vocab, embed]  init uniform(0.5)',
    '  param V: [vocab, hidden] init uniform(0.5)',
    '  e = E[token]',
    ...hs,
    `  loss cross_entropy(V @ h${layers}, next)`,
    '}',
    '',
  ].join('\n');
  const path = join(dir, `small-${cell.toLowerCase()}-${layers}.rnn`);
  writeFileSync(path, src);
  return path;
}
