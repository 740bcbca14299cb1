// `rnnc train --matmul` as a user meets it: a bad value named, bf16 refused where the kernels
// have no bfloat16 products (the WebAssembly ones here) with the reason, and, where they have,
// the plan line saying so, the precision recorded for --resume, and a change refused there.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bf16Unavailable } from '../../src/backend/kernels.ts';
import { rnnc, rnncWith } from './run.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnc-matmul-e2e-'));
const corpus = join(dir, 'corpus.txt');
writeFileSync(corpus, 'To be, or not to be, that is the question:\nWhether tis nobler in the mind to suffer\n'.repeat(40));
const tiny = ['--dims', 'embed=8,hidden=16', '--batch', '4', '--bptt', '16', '--sample', '0'];
const why = bf16Unavailable();

describe('rnnc train --matmul', () => {
  it('names a bad precision, and refuses bf16 on kernels without it, saying why', async () => {
    const bad = await rnnc('train', 'models/char-lstm.rnn', '--data', corpus, ...tiny, '--steps', '1', '--matmul', 'fp16', '--out', join(dir, 'bad'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--matmul must be float32 or bf16, not "fp16"/);
    const wasm = await rnncWith({ RNNC_KERNELS: 'wasm' }, 'train', 'models/char-lstm.rnn', '--data', corpus, ...tiny, '--steps', '1', '--matmul', 'bf16', '--out', join(dir, 'wasm'));
    expect(wasm.code).toBe(1);
    expect(wasm.stderr).toMatch(/--matmul bf16: the wasm-simd128\S* kernels have no bfloat16 products/);
    const noBf16 = await rnnc('train', 'models/char-lstm.rnn', '--data', corpus, ...tiny, '--steps', '1', '--bf16-after', '2', '--out', join(dir, 'nobf16'));
    expect(noBf16.code).toBe(1);
    expect(noBf16.stderr).toBe('error: --bf16-after 2 says when bf16 products begin; add --matmul bf16\n');
    const negative = await rnnc('train', 'models/char-lstm.rnn', '--data', corpus, ...tiny, '--steps', '1', '--matmul', 'bf16', '--bf16-after', '-1', '--out', join(dir, 'neg'));
    expect(negative.code).toBe(2); // a usage error
    expect(negative.stderr).toMatch(/--bf16-after <epochs>' argument '-1' is invalid\. expected a number ≥ 0/);
  });

  it.runIf(why === null)('--bf16-after: the plan line says it, config.json records it, --resume refuses another', async () => {
    const out = join(dir, 'after');
    const r = await rnnc('train', 'models/char-lstm.rnn', '--data', corpus, ...tiny, '--steps', '3', '--matmul', 'bf16', '--bf16-after', '0.5', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/clip 5, bf16 products after 0\.5 epochs in float32; budget 3 steps/);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).train.bf16After).toBe(0.5);
    const changed = await rnnc('train', '--resume', out, '--steps', '5', '--bf16-after', '1');
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(/--bf16-after 1 \(the run has 0\.5\)/);
  });

  it.runIf(why === null)('trains with bf16 products, records them, and --resume refuses float32', async () => {
    const out = join(dir, 'bf16');
    const r = await rnnc('train', 'models/char-lstm.rnn', '--data', corpus, ...tiny, '--steps', '3', '--matmul', 'bf16', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/clip 5, bf16 products; budget 3 steps/);
    expect(JSON.parse(readFileSync(join(out, 'config.json'), 'utf8')).train.matmul).toBe('bf16');
    const same = await rnnc('train', '--resume', out, '--steps', '4', '--matmul', 'bf16');
    expect(same.code).toBe(0);
    const changed = await rnnc('train', '--resume', out, '--steps', '5', '--matmul', 'float32');
    expect(changed.code).toBe(1);
    expect(changed.stderr).toMatch(/--matmul float32 \(the run has bf16\)/);
  });
});
