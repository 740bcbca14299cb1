// `rnnc import-torch` as a user runs it. Oracle: PyTorch itself — a stock LSTM language model
// (nn.Embedding, nn.LSTM, nn.Linear; torch_stock_lm.py) gives the log-probability of each next
// token of a text, and rnnc, on the checkpoint imported from its state dict (.pt and
// .safetensors; onto a cell with one bias per gate and one with two; tied), must give the same
// within 1e-5. The exported module's state dict comes back as the weights it was exported with.
// Errors for names and shapes that do not fit are one line each (no torch needed for those).
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTorch } from '../../src/cli/export-torch.ts';
import { buildCharVocab } from '../../src/runtime/data/tokenize.ts';
import { compile } from '../../src/runtime/model.ts';
import { encodeSafetensors, readSafetensors, type Tensor } from '../../src/runtime/safetensors.ts';
import { loadCheckpoint } from '../../src/runtime/train/checkpoint.ts';
import { scoreText } from '../../src/runtime/score.ts';
import { haveTorch, PYTHON } from './torch-helpers.ts';

const root = join(import.meta.dirname, '../..');
const TEXT = readFileSync(join(root, 'data/tinyshakespeare/input.txt'), 'utf8').slice(0, 400);
const vocab = buildCharVocab(TEXT);
const DIMS = ['--dims', 'embed=8,hidden=12'];

function rnnc(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [join(root, 'bin/rnnc.js'), ...args], { cwd, encoding: 'utf8', maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Runs torch_stock_lm.py: writes stock.pt and stock.safetensors into `out`, returns PyTorch's ln p of each next token. */
function stockLm(out: string, job: Record<string, unknown>): number[] {
  const r = spawnSync(PYTHON, [join(import.meta.dirname, 'torch_stock_lm.py')], { input: JSON.stringify({ ...job, out, vocab: vocab.size, tokens: [...vocab.encode(TEXT)] }), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`torch_stock_lm.py failed:\n${r.stderr}`);
  return (JSON.parse(r.stdout) as { ln: number[] }).ln;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rnnc-torch-import-'));
  writeFileSync(join(dir, 'vocab.json'), JSON.stringify(vocab.toJSON()));
  writeFileSync(join(dir, 'text.txt'), TEXT);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!haveTorch())('import-torch: a stock nn.LSTM language model, against PyTorch', () => {
  let untied: number[];
  let tied: number[];
  beforeAll(() => {
    untied = stockLm(dir, { embed: 8, hidden: 12, layers: 2, seed: 3 });
    mkdirSync(join(dir, 'tied'));
    tied = stockLm(join(dir, 'tied'), { embed: 12, hidden: 12, layers: 2, seed: 4, tied: true });
  }, 120_000);

  const cases: [string, string, string, string[]][] = [
    ['.pt onto cells/lstm.rnn (one bias: bias_ih + bias_hh)', 'stock.pt', 'models/char-lstm.rnn', DIMS],
    ['.safetensors onto cells/lstm.rnn', 'stock.safetensors', 'models/char-lstm.rnn', DIMS],
    ['.pt onto cells/lstm-zaremba.rnn (two biases)', 'stock.pt', 'models/word-lstm.rnn', DIMS],
    ['tied, .safetensors onto models/word-lstm-tied.rnn', 'tied/stock.safetensors', 'models/word-lstm-tied.rnn', ['--dims', 'embed=12,hidden=12']],
  ];
  it.each(cases)('%s: rnnc gives PyTorch\'s log-probabilities within 1e-5', async (_what, file, model, dims) => {
    const out = `ck-${file.replace(/\W/g, '-')}-${model.replace(/\W/g, '-')}`;
    const r = await rnnc(dir, 'import-torch', file, '--model', join(root, model), '--vocab', 'vocab.json', ...dims, '-o', out);
    expect(r.code, r.stderr).toBe(0);
    const theirs = file.startsWith('tied') ? tied : untied;
    const ours = scoreText(loadCheckpoint(join(dir, out), { optimizer: false }).model, TEXT).tokens.slice(1).map((t) => t.ln!);
    expect(ours.length).toBe(theirs.length);
    const worst = Math.max(...ours.map((v, i) => Math.abs(v - theirs[i])));
    const e = await rnnc(dir, 'eval', out, '--data', 'text.txt', '--batch', '1', '--json');
    expect(e.code, e.stderr).toBe(0);
    const loss = (JSON.parse(e.stdout) as { loss: number }).loss;
    const torchLoss = -theirs.reduce((a, b) => a + b, 0) / theirs.length;
    console.log(`${file} → ${model}: max |ln p(rnnc) - ln p(torch)| = ${worst}; rnnc eval loss ${loss}, PyTorch ${torchLoss}`);
    expect(worst).toBeLessThanOrEqual(1e-5);
    expect(Math.abs(loss - torchLoss)).toBeLessThanOrEqual(1e-5);
  }, 60_000);

  it("the exported module's state dict (torch.save) comes back as the weights it was exported with", async () => {
    const model = compile(join(root, 'models/char-lstm.rnn'), { dims: { embed: 8, hidden: 12 }, vocab }).init(5);
    writeTorch(model, join(dir, 'exp'));
    const r0 = spawnSync(PYTHON, ['-c', 'import sys, torch; sys.path.insert(0, sys.argv[1]); import model; torch.save(model.load().state_dict(), sys.argv[2])', join(dir, 'exp'), join(dir, 'exported.pt')], { encoding: 'utf8' });
    expect(r0.status, r0.stderr).toBe(0);
    const r = await rnnc(dir, 'import-torch', 'exported.pt', '--model', join(root, 'models/char-lstm.rnn'), '--vocab', 'vocab.json', ...DIMS, '-o', 'ck-exported');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("(rnnc's parameter names)");
    const back = readSafetensors(join(dir, 'ck-exported', 'model.safetensors')).tensors;
    for (const [name, w] of model.weights()) expect([...back.get(name)!.data], name).toEqual([...w]);
  }, 60_000);

  it('a stock LM with another number of layers is refused, naming both', async () => {
    mkdirSync(join(dir, 'three'));
    stockLm(join(dir, 'three'), { embed: 8, hidden: 12, layers: 3, seed: 1 });
    const r = await rnnc(dir, 'import-torch', 'three/stock.pt', '--model', join(root, 'models/char-lstm.rnn'), '--vocab', 'vocab.json', ...DIMS, '-o', 'ck-three');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: three/stock.pt: 3 nn.LSTM layer(s) (rnn.*_l0, rnn.*_l1, rnn.*_l2), but CharLSTM has 2 LSTM layer(s) (h1, h2)');
  }, 60_000);
});

describe.runIf(!haveTorch())('import-torch against PyTorch', () => {
  it('needs PyTorch', () => console.log('skipped: no PyTorch (apt-get install python3-torch)'));
});

describe('import-torch: names and shapes that do not fit are one-line errors', () => {
  const model = () => compile(join(root, 'models/char-lstm.rnn'), { dims: { embed: 8, hidden: 12 }, vocab }).init(2);
  const save = (file: string, entries: [string, Tensor][]) => writeFileSync(join(dir, file), encodeSafetensors(entries));
  const asTensors = (m: ReturnType<typeof model>) => m.layout.params.map((s): [string, Tensor] => [s.name, { dtype: 'F32', shape: s.shape, data: m.weights().get(s.name)! }]);
  const run = (file: string, ...extra: string[]) => rnnc(dir, 'import-torch', file, '--model', join(root, 'models/char-lstm.rnn'), '--vocab', 'vocab.json', ...DIMS, ...extra, '-o', 'ck-bad');

  it('a name the model does not have, and the one missing', async () => {
    save('renamed.safetensors', asTensors(model()).map(([n, t]): [string, Tensor] => [n === 'h1.W_i' ? 'h1.W_x' : n, t]));
    const r = await run('renamed.safetensors');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: renamed.safetensors does not fit CharLSTM (' + join(root, 'models/char-lstm.rnn') + '): tensors that are not parameters of CharLSTM: h1.W_x; no tensor for h1.W_i. The model\'s dims are vocab = ' + vocab.size + ', embed = 8, hidden = 12 (vocab from --vocab); bind others with --dims (e.g. --dims embed=N,hidden=N)');
  }, 60_000);

  it('a shape that differs from the model\'s', async () => {
    save('transposed.safetensors', asTensors(model()).map(([n, t]): [string, Tensor] => [n, n === 'h1.W_f' ? { ...t, shape: [...t.shape].reverse() } : t]));
    const r = await run('transposed.safetensors');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`error: transposed.safetensors does not fit CharLSTM (${join(root, 'models/char-lstm.rnn')}): h1.W_f has shape [8, 12], CharLSTM's h1.W_f is [12, 8] (layer h1: in = 8, hidden = 12). The model's dims are vocab = ${vocab.size}, embed = 8, hidden = 12 (vocab from --vocab); bind others with --dims (e.g. --dims embed=N,hidden=N)`);
  }, 60_000);

  it('a stock LSTM whose hidden size is not the model\'s', async () => {
    const H = 12, E = 8, V = vocab.size;
    const z = (...shape: number[]): Tensor => ({ dtype: 'F32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
    save('stock16.safetensors', [
      ['encoder.weight', z(V, E)],
      ...[0, 1].flatMap((l): [string, Tensor][] => [
        [`rnn.weight_ih_l${l}`, z(4 * 16, l ? 16 : E)],
        [`rnn.weight_hh_l${l}`, z(4 * 16, 16)],
        [`rnn.bias_ih_l${l}`, z(4 * 16)],
        [`rnn.bias_hh_l${l}`, z(4 * 16)],
      ]),
      ['decoder.weight', z(V, H)],
      ['decoder.bias', z(V)],
    ]);
    const r = await run('stock16.safetensors');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`error: stock16.safetensors: rnn.weight_ih_l0 has shape [64, 8]; CharLSTM's layer h1 (LSTM, hidden 12, input 8), as W_i, W_f, W_c, W_o stacked in the gate order i, f, g, o, needs [48, 8]. The model's dims are vocab = ${V}, embed = 8, hidden = 12 (vocab from --vocab); bind others with --dims (e.g. --dims embed=N,hidden=N)`);
  }, 60_000);
});
