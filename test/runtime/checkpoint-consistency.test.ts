// A checkpoint is one consistent set: files of another save or run, a bad step, NaN weights,
// an output path that cannot hold a directory, and a save cut between its two renames are
// each refused or recovered, never read as if nothing happened.
import { describe, expect, it } from 'vitest';
import { cpSync, existsSync, symlinkSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compile } from '../../src/runtime/model.ts';
import { buildCharVocab } from '../../src/runtime/data/tokenize.ts';
import { Trainer } from '../../src/runtime/train/trainer.ts';
import { CheckpointError, loadCheckpoint, NonFiniteWeightsError, saveCheckpoint } from '../../src/runtime/train/checkpoint.ts';
import { encodeSafetensors } from '../../src/runtime/safetensors.ts';
import { sha256 } from '../../src/runtime/train/checkpoint-config.ts';

const TEXT = 'the cat sat on the mat. the dog sat on the log.\n'.repeat(20);
const vocab = buildCharVocab(TEXT);
const ids = vocab.encode(TEXT);
const train = ids.subarray(0, 800);
const valid = ids.subarray(800);
const MODEL = 'test/runtime/models/tiny-dropout.rnn';
const data = { kind: 'char' as const, train: null, valid: null, split: 0.9, minCount: 1, maxVocab: null };
const root = mkdtempSync(join(tmpdir(), 'rnnc-ckpt-'));
let n = 0;
const fresh = () => join(root, `c${n++}`);

/** A trained checkpoint at `steps` steps, written to a new directory. */
async function trained(steps: number, seed = 3): Promise<string> {
  const m = compile(MODEL, { vocab }).init(seed);
  const t = new Trainer(m, { train, valid }, { batch: 2, bptt: 8, steps });
  await t.run();
  const dir = fresh();
  saveCheckpoint(dir, { model: m, trainer: t, data, initSeed: seed, version: 'test' });
  return dir;
}

const config = (dir: string) => JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
const setConfig = (dir: string, c: unknown) => writeFileSync(join(dir, 'config.json'), JSON.stringify(c));
const refuses = (dir: string, message: RegExp, options?: { optimizer?: boolean }) => expect(() => loadCheckpoint(dir, options)).toThrow(message);

describe('a checkpoint is one consistent set', () => {
  it('config.json records the step and the SHA-256 of each file, and loading checks them', async () => {
    const dir = await trained(3);
    const c = config(dir);
    expect(c.version).toBe(2);
    expect(c.step).toBe(3);
    for (const f of ['model.safetensors', 'vocab.json', 'optimizer.safetensors']) expect(c.files[f]).toBe(sha256(readFileSync(join(dir, f))));
    const ck = loadCheckpoint(dir);
    expect(ck.warnings).toEqual([]);
    expect(ck.optimizer).not.toBeNull();
  });

  it('refuses a file of another save (weights of step 5 beside the config of step 3), naming the file', async () => {
    const [a, b] = [await trained(3), await trained(5)];
    for (const f of ['model.safetensors', 'optimizer.safetensors']) {
      const mixed = fresh();
      cpSync(a, mixed, { recursive: true });
      cpSync(join(b, f), join(mixed, f));
      refuses(mixed, new RegExp(`${f.replace('.', '\\.')} does not belong with the other files of this checkpoint`));
    }
  });

  it('refuses another vocabulary of the same size (tokens swapped): it would give wrong probabilities', async () => {
    const dir = await trained(2);
    const v = JSON.parse(readFileSync(join(dir, 'vocab.json'), 'utf8'));
    [v.tokens[1], v.tokens[2]] = [v.tokens[2], v.tokens[1]];
    writeFileSync(join(dir, 'vocab.json'), JSON.stringify(v));
    refuses(dir, /vocab\.json does not belong with the other files/);
  });

  it('refuses a negative or non-integer step', async () => {
    const dir = await trained(2);
    const c = config(dir);
    for (const bad of [-3, 1.5, '2']) {
      setConfig(dir, { ...c, step: bad, trainer: { ...c.trainer, step: bad } });
      refuses(dir, /"step" must be an integer ≥ 0/);
      setConfig(dir, { ...c, trainer: { ...c.trainer, step: bad } });
      refuses(dir, /trainer "step" must be an integer ≥ 0|"step" is 2 but the trainer's step is/);
    }
  });

  it('an older checkpoint without digests loads with a warning that its files cannot be checked', async () => {
    const dir = await trained(2);
    const { files: _, step: __, ...c } = config(dir);
    setConfig(dir, { ...c, version: 1 });
    const ck = loadCheckpoint(dir);
    expect(ck.warnings.join('\n')).toMatch(/without file digests/);
    // Without digests the optimizer's own step still catches a file of another save.
    cpSync(join(await trained(5), 'optimizer.safetensors'), join(dir, 'optimizer.safetensors'));
    refuses(dir, /optimizer of step 5, but config\.json is at step 2/);
  });

  it('eval and sample need neither optimizer.safetensors nor the training settings; resume needs the optimizer', async () => {
    const dir = await trained(2);
    rmSync(join(dir, 'optimizer.safetensors'));
    expect(loadCheckpoint(dir).optimizer).toBeNull(); // the CLI's --resume refuses this (e2e test)
    const { train: _, ...c } = config(dir);
    setConfig(dir, c);
    const ck = loadCheckpoint(dir, { optimizer: false });
    expect(Number.isFinite(ck.model.evaluate(valid).loss)).toBe(true);
  });

  it('never saves NaN or infinite weights, and the checkpoint already there stays', async () => {
    const dir = await trained(2);
    const before = readFileSync(join(dir, 'model.safetensors'));
    const m = loadCheckpoint(dir).model;
    m.params[m.layout.params[1].offset + 2] = Infinity;
    let err: unknown;
    try {
      saveCheckpoint(dir, { model: m, initSeed: 0, version: 'test' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(NonFiniteWeightsError);
    expect((err as Error).message).toMatch(new RegExp(`tensor '${m.layout.params[1].name.replace('.', '\\.')}' holds Infinity at index 2`));
    expect(readFileSync(join(dir, 'model.safetensors')).equals(before)).toBe(true);
    expect(readdirSync(root).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('refuses to load NaN weights, naming the tensor (even with matching digests)', async () => {
    const dir = await trained(2);
    const m = loadCheckpoint(dir).model;
    const tensors = m.weightTensors();
    tensors[0][1].data[0] = NaN;
    const bytes = encodeSafetensors(tensors);
    writeFileSync(join(dir, 'model.safetensors'), bytes);
    const c = config(dir);
    setConfig(dir, { ...c, files: { ...c.files, 'model.safetensors': sha256(bytes) } });
    refuses(dir, new RegExp(`tensor '${tensors[0][0].replace('.', '\\.')}' holds NaN at index 0`), { optimizer: false });
  });

  it('an output path that is a file, lies under a file, or holds files rnnc did not write is refused', async () => {
    const m = compile(MODEL, { vocab }).init(1);
    const file = join(root, 'a-file');
    writeFileSync(file, 'keep me');
    const user = fresh();
    mkdirSync(user);
    writeFileSync(join(user, 'thesis.tex'), 'keep me too');
    const link = fresh();
    symlinkSync(user, link);
    const cases: [string, RegExp][] = [
      [file, /it is a file, not a directory/],
      [join(file, 'sub'), /a part of the path is a file, not a directory \(ENOTDIR\)/],
      [user, /it holds 'thesis\.tex', which rnnc did not write/],
      [link, /it is a symbolic link/],
    ];
    for (const [out, message] of cases) expect(() => saveCheckpoint(out, { model: m, initSeed: 1, version: 'test' }), out).toThrow(message);
    expect(() => saveCheckpoint(file, { model: m, initSeed: 1, version: 'test' })).toThrow(CheckpointError);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
    expect(readFileSync(join(user, 'thesis.tex'), 'utf8')).toBe('keep me too');
  });

  it('a save cut between its two renames: readers find the previous checkpoint, the next save cleans up', async () => {
    const dir = await trained(2);
    const step2 = Array.from(loadCheckpoint(dir).model.params);
    // What a kill leaves between the renames: DIR set aside, the new set not yet in place.
    renameSync(dir, `${dir}.old-999999-0`);
    const half = `${dir}.tmp-999999-1`;
    mkdirSync(half);
    writeFileSync(join(half, 'model.safetensors'), 'half');
    const ck = loadCheckpoint(dir);
    expect(ck.warnings.join('\n')).toMatch(/a save was interrupted while replacing it; reading the previous checkpoint/);
    expect(ck.config.trainer!.step).toBe(2);
    saveCheckpoint(dir, { model: ck.model, data, initSeed: 3, version: 'test' });
    expect(Array.from(loadCheckpoint(dir).model.params)).toEqual(step2);
    expect(existsSync(`${dir}.old-999999-0`)).toBe(false);
    expect(existsSync(half)).toBe(false);
  });

  it('DIR/best keeps the checkpoint saved as best while later saves replace DIR', async () => {
    const m = compile(MODEL, { vocab }).init(2);
    const t = new Trainer(m, { train, valid }, { batch: 2, bptt: 8, steps: 2 });
    await t.run();
    const dir = fresh();
    saveCheckpoint(dir, { model: m, trainer: t, data, initSeed: 2, version: 'test', best: 'self' });
    const atStep2 = Array.from(m.params);
    const t2 = new Trainer(m, { train, valid }, { batch: 2, bptt: 8, steps: 4 });
    t2.restore(structuredClone(t.state), t.optimizer.state(), t.carried());
    await t2.run();
    saveCheckpoint(dir, { model: m, trainer: t2, data, initSeed: 2, version: 'test' });
    saveCheckpoint(dir, { model: m, trainer: t2, data, initSeed: 2, version: 'test' }); // twice: the kept best survives every swap
    expect(loadCheckpoint(dir).config.step).toBe(4);
    const best = loadCheckpoint(join(dir, 'best'));
    expect(best.config.step).toBe(2);
    expect(Array.from(best.model.params)).toEqual(atStep2);
    expect(Array.from(m.params)).not.toEqual(atStep2);
  });
});
