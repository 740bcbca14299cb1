// P3: one epoch of PTB (Zaremba et al. 2014 "small", models/word-lstm.rnn) by `rnnc train`
// and by ../shared/peers/torch.sh wordlm, once each (5–20 minutes per engine). Reports wall
// time, training tokens/s and the validation perplexity after the epoch.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadIR } from '../src/runtime/model.ts';
import { countFlops } from './flops.ts';
import { PEERS, ROOT, blasEnv, run, type Json } from './proc.ts';

export const PTB = path.resolve(ROOT, '../shared/data/ptb');
const TORCH_THREADS = 2;

export interface EngineRun {
  engine: string;
  threads: number;
  wall_s: number;
  train_s: number | null;
  tokens_per_s: number | null;
  gflops: number | null;
  valid_ppl: number | null;
  params: number | null;
  error?: string;
}

export interface PtbResult {
  flopsPerToken: number;
  rnnc: EngineRun;
  torch: EngineRun | null;
}

const num = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const progress = (who: string) => (j: Json) => {
  if (typeof j.step === 'number' && typeof j.tokens_per_s === 'number' && j.step % 500 === 0) process.stderr.write(`  p3 ${who}: step ${j.step}, ${j.tokens_per_s} tokens/s\n`);
};

/** `quick`: a smoke test of this code path — 10 steps of rnnc, 3 seconds of PyTorch, then validation. */
export async function runPtb(withTorch: boolean, rnncThreads: number, quick = false): Promise<PtbResult> {
  const train = path.join(PTB, 'ptb.train.txt');
  const valid = path.join(PTB, 'ptb.valid.txt');
  if (!existsSync(train) || !existsSync(valid)) throw new Error(`PTB not found: ${train}, ${valid}`);
  // Vocab 10,000 on PTB: only used to count FLOPs (the training run binds it from the data).
  const flopsPerToken = ((f) => f.forward + f.backward)(countFlops(loadIR('models/word-lstm.rnn', { dims: { vocab: 10000 } }).ir));

  const out = mkdtempSync(path.join(os.tmpdir(), 'rnnc-bench-ptb-'));
  const args = ['bin/rnnc.js', 'train', 'models/word-lstm.rnn', '--level', 'word', '--data', train, '--valid', valid,
    '--optimizer', 'sgd', '--lr', '1', '--clip', '5', '--loss-scale', 'sum', '--batch', '20', '--bptt', '20',
    '--init-scale', '0.1', '--epochs', '1', '--sample', '0', '--json', '--log-every', '1', '--out', out, ...(quick ? ['--steps', '10'] : [])];
  process.stderr.write(`p3 rnnc: node ${args.join(' ')}\n`);
  const r = await run(process.execPath, args, { onLine: progress('rnnc') });
  rmSync(out, { recursive: true, force: true });
  const end = r.lines.find((j) => j.event === 'end');
  // Training time up to the last step (the end event's `seconds` also counts the validation).
  const last = r.lines.filter((j) => typeof j.step === 'number' && typeof j.tokens_per_s === 'number').pop();
  const rSec = num(last?.seconds);
  const rTokens = num(last?.tokens);
  const rTps = rSec && rTokens ? rTokens / rSec : null;
  const rnnc: EngineRun = {
    engine: 'rnnc', threads: rnncThreads, wall_s: r.wall, train_s: rSec, tokens_per_s: rTps,
    // The parameter count as the run reports it (vocab bound from the data): the peer's must equal it.
    gflops: rTps ? (flopsPerToken * rTps) / 1e9 : null, valid_ppl: num(end?.valid_ppl), params: num(r.lines.find((j) => j.event === 'start')?.params),
    ...(r.error || !end ? { error: r.error ?? 'no end event' } : {}),
  };

  let torch: EngineRun | null = null;
  if (withTorch) {
    const targs = ['wordlm', '--epochs', '1', '--threads', String(TORCH_THREADS), '--no-test', '--data', PTB, ...(quick ? ['--max-minutes', '0.05'] : [])];
    process.stderr.write(`p3 torch: ${path.join(PEERS, 'torch.sh')} ${targs.join(' ')}\n`);
    const t = await run(path.join(PEERS, 'torch.sh'), targs, { env: blasEnv(TORCH_THREADS) });
    const fin = t.lines.find((j) => j.final === true);
    const epoch = t.lines.find((j) => typeof j.train_sec === 'number');
    const tf = num(epoch?.train_flop_per_token);
    // Same network or no comparison (nn.LSTM has two biases per gate, and so must the model);
    // a mismatch marks PyTorch's row failed rather than throwing away rnnc's finished run.
    const tp = num(fin?.params);
    const mismatch = tf !== null && tf !== flopsPerToken ? `FLOPs per token from the graph (${flopsPerToken}) differ from torch_wordlm.py's (${tf})`
      : tp !== null && rnnc.params !== null && tp !== rnnc.params ? `models/word-lstm.rnn has ${rnnc.params} parameters, torch_wordlm.py's model ${tp}: not the same network` : undefined;
    const tTps = num(epoch?.tokens_per_s);
    torch = {
      engine: String(fin?.engine ?? 'pytorch'), threads: TORCH_THREADS, wall_s: t.wall, train_s: num(epoch?.train_sec), tokens_per_s: tTps,
      gflops: tTps ? (flopsPerToken * tTps) / 1e9 : null, valid_ppl: num(fin?.valid_ppl), params: tp, ...(t.error || !fin || mismatch ? { error: t.error ?? mismatch ?? 'no final line' } : {}),
    };
  }
  return { flopsPerToken, rnnc, torch };
}
