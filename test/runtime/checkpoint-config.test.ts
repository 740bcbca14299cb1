// readConfig and readMember on hand-edited checkpoints: each malformed part of config.json is
// refused with a line naming it (the boundary values beside it accepted), and a member file
// is read only when config.json lists it with its digest.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/runtime/model.ts';
import { buildCharVocab } from '../../src/runtime/data/tokenize.ts';
import { Trainer } from '../../src/runtime/train/trainer.ts';
import { saveCheckpoint } from '../../src/runtime/train/checkpoint.ts';
import { readConfig, readMember, sha256 } from '../../src/runtime/train/checkpoint-config.ts';
import { CheckpointError } from '../../src/runtime/train/checkpoint-error.ts';

const TEXT = 'the cat sat on the mat. the dog sat on the log.\n'.repeat(10);
const vocab = buildCharVocab(TEXT);
const root = mkdtempSync(join(tmpdir(), 'rnnc-ckconfig-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let good: Record<string, unknown> = {};
let n = 0;
const DIGEST = 'a'.repeat(64);

beforeAll(async () => {
  const m = compile('test/runtime/models/tiny-dropout.rnn', { vocab }).init(1);
  const t = new Trainer(m, { train: vocab.encode(TEXT), valid: null }, { batch: 2, bptt: 8, steps: 2 });
  await t.run();
  saveCheckpoint(join(root, 'good'), { model: m, trainer: t, initSeed: 1, version: 'test' });
  good = JSON.parse(readFileSync(join(root, 'good', 'config.json'), 'utf8'));
});

/** A directory whose config.json is the good one changed by `edit`. */
function withConfig(edit: (c: Record<string, any>) => unknown): string {
  const dir = join(root, `c${n++}`);
  mkdirSync(dir);
  const c = structuredClone(good) as Record<string, any>;
  const replaced = edit(c);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(replaced === undefined ? c : replaced));
  return dir;
}
const refusal = (dir: string) => {
  try {
    readConfig(dir);
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    return (e as Error).message.replace(`${join(dir, 'config.json')}: `, '');
  }
  return 'accepted';
};

describe('readConfig', () => {
  it('no directory, a file, no config.json, not JSON', () => {
    expect(() => readConfig(join(root, 'none'), 'ck')).toThrow(new CheckpointError('ck: no such checkpoint directory'));
    writeFileSync(join(root, 'file'), 'x');
    expect(() => readConfig(join(root, 'file'), 'ck')).toThrow(new CheckpointError('ck: not a directory (a checkpoint is the directory rnnc train --out wrote)'));
    mkdirSync(join(root, 'empty'));
    expect(() => readConfig(join(root, 'empty'), 'ck')).toThrow(new CheckpointError('ck: no config.json, so not a complete rnnc checkpoint (an interrupted first save?)'));
    const bad = withConfig(() => null);
    writeFileSync(join(bad, 'config.json'), '{"format":');
    expect(refusal(bad)).toMatch(/^not valid JSON \(/);
  });

  it('the format and version', () => {
    expect(refusal(withConfig(() => null))).toBe('not an rnnc checkpoint config this rnnc reads (format undefined, version undefined)');
    expect(refusal(withConfig((c) => void (c.format = 'other')))).toMatch(/^not an rnnc checkpoint config this rnnc reads \(format "other", version 2\)$/);
    expect(refusal(withConfig((c) => void (c.version = 3)))).toMatch(/version 3\)$/);
    expect(refusal(withConfig((c) => void (c.version = 1)))).toBe('accepted'); // version 1 has no digests
  });

  it('the model section', () => {
    for (const edit of [(c: any) => void delete c.model, (c: any) => void (c.model.file = 3), (c: any) => void (c.model.sources = 'x'), (c: any) => void (c.model.sources = null)]) {
      expect(refusal(withConfig(edit))).toBe('the model section is missing or malformed');
    }
  });

  it('version 2: step and the digests of the files', () => {
    expect(refusal(withConfig((c) => void (c.step = -1)))).toBe('"step" must be an integer ≥ 0, not -1');
    expect(refusal(withConfig((c) => void (c.step = 1.5)))).toBe('"step" must be an integer ≥ 0, not 1.5');
    expect(refusal(withConfig((c) => ((c.step = null), (c.trainer = null), c)))).toBe('accepted');
    const files = '"files" must give the SHA-256 of model.safetensors and the other files of the checkpoint';
    expect(refusal(withConfig((c) => void (c.files = null)))).toBe(files);
    expect(refusal(withConfig((c) => void (c.files = 'x')))).toBe(files);
    expect(refusal(withConfig((c) => void (c.files = { 'vocab.json': DIGEST })))).toBe(files);
    expect(refusal(withConfig((c) => void (c.files = { 'model.safetensors': DIGEST.toUpperCase() })))).toBe(files);
    expect(refusal(withConfig((c) => void (c.files = { 'model.safetensors': `${DIGEST}0` })))).toBe(files);
    expect(refusal(withConfig((c) => void (c.files = { 'model.safetensors': `0${DIGEST}` })))).toBe(files);
    expect(refusal(withConfig((c) => void (c.files = { 'model.safetensors': DIGEST, 'vocab.json': 5 })))).toBe(files);
    expect(refusal(withConfig((c) => void (c.files = { 'model.safetensors': DIGEST })))).toBe('accepted');
  });

  it('the trainer section: counts ≥ 0 and the same step as the config', () => {
    expect(refusal(withConfig((c) => void (c.trainer = 5)))).toBe('the trainer section is malformed');
    for (const k of ['step', 'epoch', 'epochStep', 'tokens']) {
      expect(refusal(withConfig((c) => void (c.trainer[k] = -1)))).toBe(`trainer "${k}" must be an integer ≥ 0, not -1`);
      expect(refusal(withConfig((c) => void (c.trainer[k] = '1')))).toBe(`trainer "${k}" must be an integer ≥ 0, not "1"`);
    }
    expect(refusal(withConfig((c) => void (c.step = 1)))).toBe('"step" is 1 but the trainer\'s step is 2');
    expect(refusal(withConfig((c) => ((c.version = 1), (c.step = 1), c)))).toBe('accepted');
    expect(refusal(withConfig((c) => ((c.step = 0), (c.trainer.step = 0), c)))).toBe('accepted');
  });
});

describe('readMember', () => {
  it('reads a listed file whose digest matches; refuses a missing listed one, an unlisted one, a changed one', () => {
    const dir = join(root, 'good');
    const c = readConfig(dir);
    expect(sha256(readMember(dir, 'ck', c, 'vocab.json')!)).toBe(c.files!['vocab.json']);
    expect(readMember(dir, 'ck', { ...c, files: { ...c.files!, 'optimizer.safetensors': DIGEST } }, 'nothing-there.json')).toBeNull();
    const listed = { ...c, files: { ...c.files!, 'gone.json': DIGEST } };
    expect(() => readMember(dir, 'ck', listed, 'gone.json')).toThrow(new CheckpointError('ck: gone.json is missing (config.json lists it)'));
    const unlisted = { ...c, files: { 'model.safetensors': c.files!['model.safetensors'] } };
    expect(() => readMember(dir, 'ck', unlisted, 'vocab.json')).toThrow(new CheckpointError('ck: vocab.json is not part of this checkpoint (config.json does not list it); remove it or save the checkpoint again'));
    const changed = { ...c, files: { ...c.files!, 'vocab.json': DIGEST } };
    expect(() => readMember(dir, 'ck', changed, 'vocab.json')).toThrow(/^ck: vocab.json does not belong with the other files of this checkpoint/);
    const v1 = { ...c, files: undefined };
    expect(readMember(dir, 'ck', v1 as typeof c, 'vocab.json')).not.toBeNull();
    expect(() => readMember(root, 'ck', c, 'good')).toThrow(/^ck\/good: cannot read \(/); // a directory
  });

  it('a missing optimizer file is no error (a checkpoint saved without training state)', () => {
    const dir = join(root, 'good');
    const c = readConfig(dir);
    const noOpt = join(root, 'no-opt');
    mkdirSync(noOpt);
    expect(readMember(noOpt, 'ck', c, 'optimizer.safetensors')).toBeNull();
    expect(() => readMember(noOpt, 'ck', c, 'vocab.json')).toThrow(new CheckpointError('ck: vocab.json is missing (config.json lists it)'));
  });
});
