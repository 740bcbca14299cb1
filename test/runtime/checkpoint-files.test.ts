// What each file of a checkpoint holds, read back with the plain readers (not loadCheckpoint):
// the weights with the model's name and step, the vocabulary, the carried states, the curve
// with both series, and config.json with the digests of every file but the picture, the
// numeric dims and nulls for what the save was not given.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/runtime/model.ts';
import { buildCharVocab } from '../../src/runtime/data/tokenize.ts';
import { Trainer } from '../../src/runtime/train/trainer.ts';
import { loadCheckpoint, saveCheckpoint } from '../../src/runtime/train/checkpoint.ts';
import { readSafetensors } from '../../src/runtime/safetensors.ts';
import { sha256 } from '../../src/runtime/train/checkpoint-config.ts';
import { curveSvg } from '../../src/runtime/curve.ts';

const TEXT = 'the cat sat on the mat. the dog sat on the log.\n'.repeat(20);
const vocab = buildCharVocab(TEXT);
const ids = vocab.encode(TEXT);
const MODEL = 'test/runtime/models/tiny-dropout.rnn';
const root = mkdtempSync(join(tmpdir(), 'rnnc-ckfiles-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('checkpoint files', () => {
  it('a trained checkpoint: each file\'s content', async () => {
    const m = compile(MODEL, { vocab }).init(3);
    const t = new Trainer(m, { train: ids.subarray(0, 800), valid: ids.subarray(800) }, { batch: 2, bptt: 8, steps: 5, evalEvery: 2 });
    await t.run();
    const dir = join(root, 'trained');
    saveCheckpoint(dir, { model: m, trainer: t, initSeed: 3, version: 'test' });

    const w = readSafetensors(join(dir, 'model.safetensors'));
    expect(w.metadata).toEqual({ model: 'TinyDropout', step: '5' });
    expect(Array.from(w.tensors.get('E')!.data)).toEqual(Array.from(m.weights().get('E')!));
    expect(JSON.parse(readFileSync(join(dir, 'vocab.json'), 'utf8'))).toEqual(vocab.toJSON());

    const opt = readSafetensors(join(dir, 'optimizer.safetensors'));
    const carried = t.carried();
    m.layout.states.forEach((st, k) => {
      const c = opt.tensors.get(`carried/${st.name}`)!;
      expect(c.shape).toEqual([2, ...st.shape]);
      expect(Array.from(c.data)).toEqual(Array.from(carried[k]));
    });

    // The picture: both series of the run's curve, drawn by curveSvg from the points written out here.
    const points = (key: 'train' | 'valid') => t.state.curve.filter((p) => p[key] !== undefined).map((p) => ({ x: p.tokens, y: p[key]! }));
    expect(points('train')).toHaveLength(5);
    expect(points('valid').length).toBeGreaterThanOrEqual(2);
    const expected = curveSvg([{ name: 'train', points: points('train') }, { name: 'valid', points: points('valid') }], { title: 'TinyDropout: loss (nats/token)', xLabel: 'tokens seen', yLabel: 'loss' });
    expect(readFileSync(join(dir, 'curve.svg'), 'utf8')).toBe(expected);

    const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(Object.keys(c.files).sort()).toEqual(['model.safetensors', 'optimizer.safetensors', 'vocab.json']);
    for (const f of Object.keys(c.files)) expect(c.files[f]).toBe(sha256(readFileSync(join(dir, f))));
    expect(c.model.dims).toEqual({ vocab: vocab.size, embed: 8, hidden: 16 });
    expect(c).toMatchObject({ step: 5, data: null, initSeed: 3, initScale: null, validation: null, rnnc: 'test' });
    expect(c.trainer.curve.some((p: { valid?: number }) => p.valid !== undefined)).toBe(true);
  });

  it('an untrained model without a vocabulary: weights without a step, no vocab, optimizer or curve', () => {
    const m = compile(MODEL, { dims: { vocab: 5 } }).init(1);
    const dir = join(root, 'bare');
    saveCheckpoint(dir, { model: m, initSeed: 1, version: 'test', data: { kind: 'char', train: 'x.txt', valid: null, split: 0.9, minCount: 1, maxVocab: null }, initScale: 0.05 });
    expect(readSafetensors(join(dir, 'model.safetensors')).metadata).toEqual({ model: 'TinyDropout' });
    for (const f of ['vocab.json', 'optimizer.safetensors', 'curve.svg']) expect(existsSync(join(dir, f))).toBe(false);
    const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    expect(Object.keys(c.files)).toEqual(['model.safetensors']);
    expect(c).toMatchObject({ step: null, train: null, trainer: null, initScale: 0.05, data: { train: 'x.txt', split: 0.9 } });
    const back = loadCheckpoint(dir);
    expect(back.model.vocab).toBeNull();
    expect(Array.from(back.model.params)).toEqual(Array.from(m.params));
  });
});
