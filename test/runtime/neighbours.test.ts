// Nearest neighbours by cosine similarity against a hand computation: a 4-token table with
// rows chosen so every cosine is a known number (1/√2, 0, −1), through the library and
// through `rnnc neighbours` on a saved checkpoint.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/runtime/model.ts';
import { Vocab } from '../../src/runtime/data/vocab.ts';
import { embeddingTable, nearestNeighbours } from '../../src/runtime/neighbours.ts';
import { saveCheckpoint } from '../../src/runtime/train/checkpoint.ts';
import { rnnc } from '../e2e/run.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnc-neighbours-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Rows: a = (1, 0), b = (1, 1), c = (0, 1), d = (−1, 0). By hand: cos(a, b) = 1/√2,
// cos(a, c) = 0, cos(a, d) = −1; cos(b, c) = 1/√2, cos(b, d) = −1/√2; cos(c, d) = 0.
const ROWS = [1, 0, 1, 1, 0, 1, -1, 0];
const R = Math.SQRT1_2;

function model() {
  const m = compile('models/window-lm.rnn', { vocab: new Vocab('char', ['a', 'b', 'c', 'd']), dims: { embed: 2, hidden: 3 } }).init(1);
  const w = m.weights();
  w.set('C', Float32Array.from(ROWS));
  return m.loadWeights(w);
}

describe('nearest neighbours', () => {
  it('finds the table of the first lookup', () => {
    expect(embeddingTable(model())).toBe('C');
  });

  it('orders the other tokens by cosine, as computed by hand (ties by id)', () => {
    const [a, b] = nearestNeighbours(model(), ['a', 'b'], { k: 3 });
    const pairs = (l: typeof a) => l.neighbours.map((n) => [n.token, n.cosine]);
    expect(a.word).toBe('a');
    expect(pairs(a).map(([t]) => t)).toEqual(['b', 'c', 'd']);
    expect(pairs(a).map(([, c]) => c)).toEqual([expect.closeTo(R, 7), expect.closeTo(0, 12), expect.closeTo(-1, 7)]);
    expect(pairs(b)).toEqual([['a', expect.closeTo(R, 7)], ['c', expect.closeTo(R, 7)], ['d', expect.closeTo(-R, 7)]]);
    expect(nearestNeighbours(model(), ['d'], { k: 1 })[0].neighbours.map((n) => n.token)).toEqual(['c']); // cos(d, c) = 0 beats cos(d, b) = −1/√2
  });

  it('refuses a word outside the vocabulary and a table that is not [vocab, d]', () => {
    expect(() => nearestNeighbours(model(), ['z'])).toThrow(/'z' is not in the vocabulary/);
    expect(() => nearestNeighbours(model(), ['a'], { table: 'H' })).toThrow(/is not an embedding table/);
  });

  it('k defaults to 10 and is at most the other tokens; a zero row is similar to nothing; exact ties by id', () => {
    expect(nearestNeighbours(model(), ['a'])[0].neighbours.map((n) => n.id)).toEqual([1, 2, 3]);
    const m = model();
    const w = m.weights();
    w.get('C')!.set([0, 0, 2, 0, 3, 0, 0, 0]); // a = 0, b = (2, 0), c = (3, 0): cos(b, c) = 1, b and c to a: 0
    const [b, a] = nearestNeighbours(m, ['b', 'a'], { k: 3 });
    expect(b.neighbours.map((n) => [n.token, n.cosine])).toEqual([['c', expect.closeTo(1, 12)], ['a', 0], ['d', 0]]);
    expect(a.neighbours.map((n) => [n.token, n.cosine])).toEqual([['b', 0], ['c', 0], ['d', 0]]);
  });

  it('refuses a model without a vocabulary, without a lookup, or naming a param it lacks', () => {
    const bare = compile('models/window-lm.rnn', { dims: { vocab: 4, embed: 2, hidden: 3 } });
    expect(() => nearestNeighbours(bare, ['a'])).toThrow(new RangeError('model WindowLM has no vocabulary, so it has no words to compare'));
    expect(() => nearestNeighbours(model(), ['a'], { table: 'Q' })).toThrow(new RangeError('model WindowLM has no param Q'));
    expect(() => nearestNeighbours(model(), ['a'], { table: 'H' })).toThrow(/^param H \[\d+, \d+\] is not an embedding table \[vocab = 4, d\]$/);
    const noLookup = compile('nolookup.rnn', {
      vocab: new Vocab('char', ['a', 'b']),
      sources: { 'nolookup.rnn': 'model NoLookup {\n  dim vocab\n  param b: [vocab] init zeros\n  loss cross_entropy(b, next)\n}\n' },
    });
    expect(embeddingTable(noLookup)).toBeNull();
    // The lookup after another statement, and inside a product's second operand.
    const later = compile('later.rnn', {
      vocab: new Vocab('char', ['a', 'b']),
      sources: { 'later.rnn': 'model Later {\n  dim vocab\n  param E: [vocab, 3] init normal(0.5)\n  param V: [vocab, 3] init xavier\n  param b: [vocab] init zeros\n  c = b * 2\n  loss cross_entropy(V @ E[token] + c, next)\n}\n' },
    });
    expect(embeddingTable(later)).toBe('E');
    expect(() => nearestNeighbours(noLookup, ['a'])).toThrow(new RangeError('model NoLookup has no embedding lookup (E[token])'));
  });

  it('rnnc neighbours prints them, and exits 1 naming an unknown word', async () => {
    const ck = join(dir, 'ck');
    saveCheckpoint(ck, { model: model(), initSeed: 1, version: 'test' });
    const r = await rnnc('neighbours', ck, 'a', 'c', '-k', '2');
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(['"a"', '   1  "b"  0.7071', '   2  "c"  0.0000', '"c"', '   1  "b"  0.7071', '   2  "a"  0.0000', ''].join('\n'));
    const bad = await rnnc('neighbours', ck, 'q');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("'q' is not in the vocabulary of WindowLM (4 tokens)");
  });
});
