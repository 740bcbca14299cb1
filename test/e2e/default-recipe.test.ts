// `rnnc train` with no model trains the 5-minute recipe: its bundled model and its schedule,
// each recipe option overridable from the command line; the message says what is trained.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RECIPE, defaultRecipe } from '../../src/cli/default-recipe.ts';
import { bf16Unavailable } from '../../src/backend/kernels.ts';
import { rnnc } from './run.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnc-default-recipe-'));
const corpus = join(dir, 'corpus.txt');
writeFileSync(corpus, 'To be, or not to be, that is the question:\nWhether tis nobler in the mind to suffer\n'.repeat(40));

describe('defaultRecipe', () => {
  it('sets the recipe options the user did not give and keeps the ones given', () => {
    const o: Record<string, unknown> = { lrSchedule: 'constant', decayAfter: 9, lrDecay: undefined };
    const r = defaultRecipe(o, (k) => k === 'decayAfter', '/pkg', false);
    expect(o).toEqual({ lrSchedule: 'decay', decayAfter: 9, lrDecay: 0.7 });
    expect(r.file).toBe(join('/pkg', DEFAULT_RECIPE.model));
    expect(r.message).toBe(`no model given: training the default recipe ${DEFAULT_RECIPE.model} (${DEFAULT_RECIPE.what}) with --lr-schedule decay --lr-decay 0.7`);
  });

  it('adds --matmul bf16 where the kernels have bfloat16 products, unless the user chose', () => {
    const o: Record<string, unknown> = { matmul: 'float32' };
    expect(defaultRecipe(o, () => false, '/pkg', true).message).toMatch(/ with --lr-schedule decay --decay-after 4 --lr-decay 0\.7 --matmul bf16$/);
    expect(o.matmul).toBe('bf16');
    const mine: Record<string, unknown> = { matmul: 'float32' };
    expect(defaultRecipe(mine, (k) => k === 'matmul', '/pkg', true).message).not.toContain('--matmul');
    expect(mine.matmul).toBe('float32');
  });
});

describe.concurrent('rnnc train without a model', () => {
  it('trains the recipe model with the recipe schedule', async () => {
    const out = join(dir, 'default');
    const r = await rnnc('train', '--data', corpus, '--dims', 'hidden=16', '--batch', '4', '--bptt', '16', '--steps', '3', '--sample', '0', '--out', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no model given: training the default recipe models/recipes/shakespeare-5min.rnn');
    expect(r.stdout).toContain('training CharLSTMDropout');
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(resolve(config.model.file)).toBe(resolve('models/recipes/shakespeare-5min.rnn'));
    expect(config.train.schedule).toEqual({ kind: 'decay', factor: 0.7, after: 4 });
    expect(config.train.matmul).toBe(bf16Unavailable() === null ? 'bf16' : 'float32');
  });

  it('lets the command line override the recipe schedule', async () => {
    const out = join(dir, 'constant');
    const r = await rnnc('train', '--data', corpus, '--dims', 'hidden=16', '--batch', '4', '--bptt', '16', '--steps', '3', '--sample', '0', '--lr-schedule', 'constant', '--out', out);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('with --decay-after 4 --lr-decay 0.7');
    const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
    expect(config.train.schedule).toEqual({ kind: 'constant' });
  });
});
