// `npm run bench [-- --quick] [-- --only p1-lstm,p2] [-- --runs N] [-- --ptb] [-- --browser] [-- --no-torch]`
// rnnc against PyTorch (../shared/peers/torch.sh, 1 and 2 threads) in the same run, each
// measurement a fresh child process, median of the runs; the OpenBLAS SGEMM peak measured in
// the same run; a table on stdout (progress on stderr) and bench/results/latest.json.
// See bench/README.md. Never part of `npm test`.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { charWorkloads, TEXT, WORKLOAD_IDS, type CharWorkload } from './workloads.ts';
import { float32Kernels } from '../src/codegen/index.ts';
import { runPtb, type PtbResult } from './ptb.ts';
import { printOrt, runOrt, type OrtResult } from './ort.ts';
import { runBrowser, type BrowserResult } from './browser-run.ts';
import { BENCH, PEERS, PYTHON, blasEnv, median, numpyInstalled, run, torchInstalled, type Json } from './proc.ts';

// ---- options ------------------------------------------------------------------------------

const argv = process.argv.slice(2);
const value = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const known = new Set(['--quick', '--only', '--runs', '--ptb', '--browser', '--no-torch']);
for (let i = 0; i < argv.length; i++) {
  if (!known.has(argv[i])) fail(`unknown option ${argv[i]} (usage: npm run bench [-- --quick] [--only ${WORKLOAD_IDS.join(',')}] [--runs N] [--ptb] [--browser] [--no-torch])`);
  if (argv[i] === '--only' || argv[i] === '--runs') i++;
}
const quick = argv.includes('--quick');
const runs = Number(value('--runs') ?? (quick ? 1 : 3));
if (!(Number.isInteger(runs) && runs >= 1)) fail(`--runs must be a positive integer`);
const only = value('--only')?.split(',').map((s) => s.trim()).filter(Boolean) ?? null;
for (const id of only ?? []) if (!WORKLOAD_IDS.includes(id)) fail(`--only: no workload ${id} (there are ${WORKLOAD_IDS.join(', ')})`);
const ptb = argv.includes('--ptb');
if (only?.includes('p3') && !ptb) fail('p3 (one PTB epoch per engine, 5–20 minutes each) runs only with --ptb');
const wanted = (id: string) => !only || only.includes(id);
// The browser workload (headless Chromium beside TF.js, ~1 minute per run) runs only when asked for.
const withBrowser = argv.includes('--browser') || !!only?.includes('browser');
// P1: warm-up and timed optimizer steps (windows of 32 × 64); P2: warm-up and timed tokens.
const P1 = quick ? { warmup: 2, steps: 3 } : { warmup: 5, steps: 20 };
const P2 = quick ? { warmup: 50, tokens: 300 } : { warmup: 200, tokens: 2000 };
const THREADS = [1, 2];

function fail(msg: string): never {
  console.error(`bench: ${msg}`);
  process.exit(2);
}

const log = (s: string) => process.stderr.write(`${s}\n`);
const errors: string[] = [];

// ---- environment ----------------------------------------------------------------------------

const rnncThreads = os.availableParallelism() >= 2 && process.env.RNNC_KERNELS !== 'js' ? 2 : 1; // the kernels' default
const torchNote = argv.includes('--no-torch')
  ? 'PyTorch peer skipped (--no-torch)'
  : !existsSync(path.join(PEERS, 'torch.sh'))
    ? `PyTorch peer not found (${path.join(PEERS, 'torch.sh')})`
    : !torchInstalled()
      ? 'PyTorch is not installed (apt-get install -y python3-torch libopenblas0-openmp): rnnc alone'
      : null;
const withTorch = torchNote === null;
const numpyNote = !numpyInstalled() ? 'numpy is not installed (apt-get install -y python3-numpy): no SGEMM peak' : null;

// ---- SGEMM peak -----------------------------------------------------------------------------

const peakSamples = new Map<number, number[]>(THREADS.map((t) => [t, []]));
async function measurePeak(): Promise<void> {
  if (numpyNote) return;
  for (const t of THREADS) {
    const r = await run(PYTHON, [path.join(PEERS, 'gemm_numpy.py'), 'sgemm 512^3'], { env: { ...blasEnv(t), GEMM_MIN_TIME: quick ? '0.2' : '0.5' } });
    const g = r.lines.find((j) => typeof j.gflops === 'number');
    if (g) peakSamples.get(t)!.push(g.gflops as number);
    else errors.push(`gemm_numpy.py (${t} threads): ${r.error}`);
  }
}
/** The peak: the best of the samples taken at the start and end of the run. */
const peak = (t: number): number | null => (peakSamples.get(t)!.length ? Math.max(...peakSamples.get(t)!) : null);

// ---- P1 / P2 ------------------------------------------------------------------------------------

interface Side {
  runs: Json[];
  errors: string[];
  tokens_per_s: number | null;
  median_us?: number | null;
  gflops: number | null;
}
interface CharResult {
  workload: CharWorkload;
  rnnc: Side;
  torch: Record<number, Side>;
}

const side = (): Side => ({ runs: [], errors: [], tokens_per_s: null, gflops: null });

function rnncArgs(w: CharWorkload): string[] {
  const base = ['--import', 'tsx', path.join(BENCH, 'rnnc-worker.ts'), w.kind === 'p1' ? 'train' : 'step', w.file, '--hidden', String(w.H), '--text', TEXT];
  return w.kind === 'p1' ? [...base, '--warmup', String(P1.warmup), '--steps', String(P1.steps)] : [...base, '--warmup', String(P2.warmup), '--tokens', String(P2.tokens)];
}

function torchCommand(w: CharWorkload, threads: number): [string, string[]] {
  const common = ['--cell', w.cell, '--hidden', String(w.H), '--threads', String(threads)];
  if (w.kind === 'p1') return [path.join(PEERS, 'torch.sh'), ['charlm', ...common, '--warmup', String(P1.warmup), '--steps', String(P1.steps), '--text', TEXT]];
  return [path.join(BENCH, 'peers', 'torch-step.sh'), [...common, '--warmup', String(P2.warmup), '--tokens', String(P2.tokens)]];
}

async function measure(s: Side, what: string, cmd: string, args: string[], env: NodeJS.ProcessEnv, check?: (j: Json) => void): Promise<void> {
  const r = await run(cmd, args, { env });
  const j = r.lines[r.lines.length - 1];
  if (r.error || !j || typeof j.tokens_per_s !== 'number') {
    const e = `${what}: ${r.error ?? 'no tokens_per_s'}`;
    s.errors.push(e);
    errors.push(e);
    log(`  ${e}`);
    return;
  }
  check?.(j);
  s.runs.push(j);
  log(`  ${what}: ${j.tokens_per_s} tokens/s${typeof j.median_us === 'number' ? ` (${j.median_us} µs/token)` : ''}`);
}

function summarise(s: Side, w: CharWorkload): void {
  if (!s.runs.length) return;
  s.tokens_per_s = median(s.runs.map((j) => j.tokens_per_s as number));
  s.gflops = (w.flopsPerToken * s.tokens_per_s) / 1e9;
  if (w.kind === 'p2') s.median_us = median(s.runs.map((j) => j.median_us as number));
}

async function runChar(w: CharWorkload): Promise<CharResult> {
  const res: CharResult = { workload: w, rnnc: side(), torch: Object.fromEntries(THREADS.map((t) => [t, side()])) };
  for (let r = 1; r <= runs; r++) {
    // Interleaved, run by run, so slow phases of the shared machine hit every engine alike.
    await measure(res.rnnc, `${w.id} rnnc run ${r}/${runs}`, process.execPath, rnncArgs(w), process.env);
    if (!withTorch) continue;
    for (const t of THREADS) {
      const [cmd, args] = torchCommand(w, t);
      await measure(res.torch[t], `${w.id} PyTorch ${t}T run ${r}/${runs}`, cmd, args, blasEnv(t), (j) => {
        if (w.kind === 'p1' && j.flop_per_token !== w.flopsPerToken) throw new Error(`${w.id}: torch_charlm.py counts ${j.flop_per_token} FLOPs per token, the graph ${w.flopsPerToken}`);
      });
    }
  }
  summarise(res.rnnc, w);
  for (const t of THREADS) summarise(res.torch[t], w);
  return res;
}

// ---- run ------------------------------------------------------------------------------------------

const started = new Date();
const text = readFileSync(TEXT, 'utf8');
const workloads = charWorkloads(text).filter((w) => wanted(w.id));
const withOrt = wanted('ort');
const cpu = `${os.cpus()[0]?.model ?? '?'} × ${os.cpus().length}`;
const load0 = os.loadavg();
log(`bench: ${[...workloads.map((w) => w.id), ...(withOrt ? ['ort'] : []), ...(ptb && wanted('p3') ? ['p3 (once per engine)'] : []), ...(withBrowser ? ['browser'] : [])].join(', ')}; ${runs} run(s) each${quick ? ' (quick)' : ''}; ${torchNote ?? 'PyTorch 1 and 2 threads'}`);

await measurePeak();
const char: CharResult[] = [];
for (const w of workloads) char.push(await runChar(w));
const ort: OrtResult | null = withOrt ? await runOrt(runs, quick, errors, log) : null;
const browser: BrowserResult | null = withBrowser ? runBrowser(runs, quick, errors) : null;
if (!quick) await measurePeak();
let p3: PtbResult | null = null;
if (ptb && wanted('p3')) {
  p3 = await runPtb(withTorch, rnncThreads, quick);
  for (const e of [p3.rnnc, p3.torch]) if (e?.error) errors.push(`p3 ${e.engine}: ${e.error}`);
}

// ---- report -------------------------------------------------------------------------------------------

const f = (x: number | null | undefined, digits = 0) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const ratio = (a: number | null, b: number | null) => (a !== null && b !== null && b > 0 ? a / b : null);
const table = (head: string[], rows: string[][]) => {
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
};
const peakRnnc = peak(rnncThreads);

console.log(`# rnnc benchmark — ${started.toISOString()}${quick ? ' (--quick: 1 run, few steps; a smoke test, not a measurement)' : ''}`);
// The kernels the rnnc runs reported (native when the install built them, else WebAssembly).
// (P3 alone runs the CLI, which does not report them: this process picks the same ones.)
const rnncKernels = [...new Set(char.flatMap((c) => c.rnnc.runs.map((j) => String(j.kernels ?? '?'))))].join(', ') || float32Kernels();
console.log(`node ${process.version}, ${cpu}, load ${load0.map((x) => x.toFixed(2)).join(' ')}; rnnc kernels: ${rnncKernels}; rnnc gemm threads: ${rnncThreads}; median of ${runs} run(s), each a fresh process`);
if (torchNote) console.log(torchNote);
console.log(`SGEMM 512³ peak (OpenBLAS via ../shared/peers/gemm_numpy.py, this run): ${numpyNote ?? THREADS.map((t) => `${t}T ${f(peak(t), 1)} GFLOP/s`).join(', ')}`);
console.log('');

const p1 = char.filter((c) => c.workload.kind === 'p1');
const p2 = char.filter((c) => c.workload.kind === 'p2');
const torchCols = (c: CharResult, get: (s: Side) => number | null, d = 0) => (withTorch ? THREADS.map((t) => f(get(c.torch[t]), d)) : []);
const ratioCols = (c: CharResult) => (withTorch ? THREADS.map((t) => f(ratio(c.rnnc.tokens_per_s, c.torch[t].tokens_per_s), 2)) : []);
const torchHead = (what: string) => (withTorch ? THREADS.map((t) => `PyTorch ${t}T ${what}`) : []);
const ratioHead = withTorch ? THREADS.map((t) => `rnnc / PyTorch ${t}T`) : [];
const peakCol = (c: CharResult) => f(peakRnnc && c.rnnc.gflops !== null ? (100 * c.rnnc.gflops) / peakRnnc : null, 1);
const peakHead = `rnnc % of SGEMM ${rnncThreads}T`;
if (p1.length) {
  console.log(`P1: training, char LM (Embedding 65→64 → cell → Linear 65), Adam, clip 5, batch 32 × BPTT 64; ${P1.warmup} warm-up + ${P1.steps} timed steps`);
  table(
    ['workload', 'FLOP/token', 'rnnc tokens/s', ...torchHead('tokens/s'), ...ratioHead, 'rnnc GFLOP/s', ...torchHead('GFLOP/s'), peakHead],
    p1.map((c) => [c.workload.title, f(c.workload.flopsPerToken), f(c.rnnc.tokens_per_s), ...torchCols(c, (s) => s.tokens_per_s), ...ratioCols(c), f(c.rnnc.gflops, 2), ...torchCols(c, (s) => s.gflops, 2), peakCol(c)]),
  );
  console.log('');
}
if (p2.length) {
  console.log(`P2: sampling latency, one token at batch 1 (embedding → LSTM-256 step → linear → softmax); median of ${P2.tokens} tokens after ${P2.warmup}`);
  table(
    ['workload', 'rnnc µs/token', ...torchHead('µs/token'), 'rnnc tokens/s', ...ratioHead, 'rnnc GFLOP/s', peakHead],
    p2.map((c) => [c.workload.title, f(c.rnnc.median_us, 1), ...torchCols(c, (s) => s.median_us ?? null, 1), f(c.rnnc.tokens_per_s), ...ratioCols(c), f(c.rnnc.gflops, 3), peakCol(c)]),
  );
  console.log('');
}
if (ort) printOrt(ort, f, table);
if (browser) console.log(`\nIn the browser: the exported char-LSTM (models/char-lstm.rnn) and in-page training beside TensorFlow.js (wasm backend), same page, same run (bench/browser.ts)\n${browser.report}\n`);
if (p3) {
  console.log(`P3: ${quick ? 'PARTIAL epoch (--quick: rnnc 10 steps, PyTorch 3 s)' : 'one epoch'} of PTB, models/word-lstm.rnn (Zaremba small), SGD lr 1, clip 5, sum loss, batch 20 × BPTT 20; one run each`);
  const engines = [p3.rnnc, ...(p3.torch ? [p3.torch] : [])];
  table(
    ['engine', 'threads', 'wall s', 'train s', 'tokens/s', 'GFLOP/s', 'valid ppl'],
    engines.map((e) => [e.engine + (e.error ? ` (failed: ${e.error})` : ''), String(e.threads), f(e.wall_s, 1), f(e.train_s, 1), f(e.tokens_per_s), f(e.gflops, 2), f(e.valid_ppl, 2)]),
  );
  if (p3.torch?.error) console.log(`no ratios: the PyTorch run failed (${p3.torch.error})`);
  else if (p3.torch) {
    console.log(`wall time rnnc / PyTorch: ${f(ratio(p3.rnnc.wall_s, p3.torch.wall_s), 2)}; tokens/s rnnc / PyTorch: ${f(ratio(p3.rnnc.tokens_per_s, p3.torch.tokens_per_s), 2)}`);
    const pr = ratio(p3.rnnc.valid_ppl, p3.torch.valid_ppl);
    console.log(`valid perplexity rnnc / PyTorch: ${f(pr, 4)}${pr === null ? '' : ` (${f(Math.abs(pr - 1) * 100, 1)} % apart)`}; parameters: rnnc ${f(p3.rnnc.params)}, PyTorch ${f(p3.torch.params)}`);
  }
  console.log('');
}
console.log('FLOP/token: matrix products counted from the compiled graph — forward + backward for training (P1, P3), forward only for P2 — checked equal to the peers\' formula 2·gates·H·(E+H) + 2·H·V forward, 3× for training.');

const results = {
  date: started.toISOString(),
  quick,
  runs,
  settings: { p1: { ...P1, batch: 32, bptt: 64, text: TEXT }, p2: P2 },
  host: { node: process.version, cpu, loadavg_start: load0, loadavg_end: os.loadavg() },
  rnnc_threads: rnncThreads,
  rnnc_kernels: rnncKernels,
  torch: torchNote ?? 'installed',
  sgemm_peak_gflops: numpyNote ?? Object.fromEntries(THREADS.map((t) => [`${t}T`, { peak: peak(t), samples: peakSamples.get(t) }])),
  workloads: char.map((c) => ({
    id: c.workload.id,
    title: c.workload.title,
    flop_per_token: c.workload.flopsPerToken,
    rnnc: { ...c.rnnc, peak_fraction: peakRnnc && c.rnnc.gflops !== null ? c.rnnc.gflops / peakRnnc : null },
    ...(withTorch ? { torch: Object.fromEntries(THREADS.map((t) => [`${t}T`, c.torch[t]])), ratio: Object.fromEntries(THREADS.map((t) => [`${t}T`, ratio(c.rnnc.tokens_per_s, c.torch[t].tokens_per_s)])) } : {}),
  })),
  ort,
  p3,
  browser: browser?.results ?? browser?.report ?? null,
  errors,
};
const dir = path.join(BENCH, 'results');
mkdirSync(dir, { recursive: true });
writeFileSync(path.join(dir, 'latest.json'), JSON.stringify(results, null, 2) + '\n');
console.log(`results: ${path.relative(process.cwd(), path.join(dir, 'latest.json'))}`);
if (errors.length) {
  console.log(`\n${errors.length} measurement(s) failed:\n  ${errors.join('\n  ')}`);
  process.exitCode = 1;
}
