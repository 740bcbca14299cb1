// `npx tsx bench/browser.ts [--runs N] [--quick]`: rnnc in headless Chromium beside
// TensorFlow.js 4.22 (@tensorflow/tfjs + its WebAssembly backend) in the same browser, same run:
// the exported char-LSTM's per-token latency (step, state carried) and in-page training
// tokens/s (rnnc's browser build vs TF.js trainOnBatch), the same model (models/char-lstm.rnn:
// Embedding 64 → LSTM 256 → LSTM 256 → vocab) on tiny Shakespeare. Each measurement is a fresh
// page; the engines take turns run by run; the median of the runs is reported. Not in npm test.
// Runs ~1 minute per run (TF.js training dominates).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCharVocab, compile, exportModule } from '../src/index.ts';
import { median } from './proc.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const runs = Number(argv[argv.indexOf('--runs') + 1] ?? 0) || (quick ? 1 : 3);
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
if (!CHROMIUM) {
  console.log('skipped: no Chromium (apt-get install chromium)');
  process.exit(0);
}
const log = (s: string) => process.stderr.write(`${s}\n`);

const text = readFileSync(path.join(root, 'data/tinyshakespeare/input.txt'), 'utf8').slice(0, 200_000);
const STEP = quick ? { text: text.slice(0, 5000), warmup: 20, tokens: 100 } : { text: text.slice(0, 5000), warmup: 100, tokens: 500 };
const TRAIN = { text, batch: 32, bptt: 64, warmup: 1, steps: quick ? 2 : 4 };
// One timed TF.js step is already 2,048 tokens and ~30 s on this machine.
const TRAIN_TF = { ...TRAIN, steps: 1 };

// ---- the page's files: the exported module, the browser build, TF.js and the measurements
const dir = mkdtempSync(path.join(tmpdir(), 'rnnc-bench-browser-'));
const model = compile(path.join(root, 'models/char-lstm.rnn'), { vocab: buildCharVocab(text) }).init(0);
writeFileSync(path.join(dir, 'model.mjs'), exportModule(model, { format: 'esm' }).code);
const built = spawnSync(process.execPath, [path.join(root, 'scripts/build-browser.mjs'), '--outfile', path.join(dir, 'rnnc.mjs')], { encoding: 'utf8' });
if (built.status !== 0) throw new Error(`scripts/build-browser.mjs failed: ${built.stderr}`);
const tfjs = path.join(root, 'node_modules/@tensorflow');
copyFileSync(path.join(tfjs, 'tfjs/dist/tf.min.js'), path.join(dir, 'tf.min.js'));
for (const f of ['tf-backend-wasm.min.js', 'tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) copyFileSync(path.join(tfjs, 'tfjs-backend-wasm/dist', f), path.join(dir, f));
copyFileSync(path.join(root, 'bench/browser-page.js'), path.join(dir, 'bench.js'));
writeFileSync(path.join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>rnnc bench</title><script src="tf.min.js"></script><script src="tf-backend-wasm.min.js"></script>');
const tfVersion = (JSON.parse(readFileSync(path.join(tfjs, 'tfjs/package.json'), 'utf8')) as { version: string }).version;

const TYPES: Record<string, string> = { html: 'text/html', js: 'text/javascript', mjs: 'text/javascript', wasm: 'application/wasm' };
const server = createServer((req, res) => {
  const file = path.join(dir, path.basename(new URL(req.url ?? '/', 'http://x').pathname) || 'index.html');
  if (!existsSync(file)) return void ((res.statusCode = 404), res.end());
  res.setHeader('content-type', TYPES[file.split('.').pop()!] ?? 'application/octet-stream');
  res.end(readFileSync(file));
});
await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;

// ---- the runs
const { chromium } = await import('playwright-core');
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
type Result = Record<string, number | string>;
const results: Record<string, Result[]> = { rnncStep: [], tfStep: [], rnncTrain: [], tfTrain: [] };
try {
  for (let r = 0; r < runs; r++) {
    for (const [name, args] of [['rnncStep', STEP], ['tfStep', STEP], ['rnncTrain', TRAIN], ['tfTrain', TRAIN_TF]] as const) {
      const page = await browser.newPage();
      await page.goto(url);
      const out = (await page.evaluate(([src, n, a]) => import(src).then((b) => b[n](a)), [url + 'bench.js', name, args] as const)) as Result;
      await page.close();
      results[name].push(out);
      log(`run ${r + 1}/${runs} ${name}: ${JSON.stringify(out)}`);
    }
  }
} finally {
  await browser.close();
  server.close();
}

const med = (name: string, key: string) => median(results[name].map((x) => Number(x[key])));
const rows = [
  ['per-token latency (step, ms)', med('rnncStep', 'msPerToken'), med('tfStep', 'msPerToken')],
  ['training (tokens/s, batch 32 × bptt 64)', med('rnncTrain', 'tokensPerS'), med('tfTrain', 'tokensPerS')],
];
console.log(`headless Chromium ${browser.version()}; rnnc kernels ${results.rnncTrain[0].kernels} (export: ${results.rnncStep[0].kernels}); TF.js ${tfVersion} backend ${results.tfTrain[0].backend}; median of ${runs} run(s)`);
console.log('| measure | rnnc | TF.js | rnnc / TF.js |\n|---|---:|---:|---:|');
for (const [what, a, b] of rows) {
  const ratio = String(what).startsWith('per-token') ? (b as number) / (a as number) : (a as number) / (b as number);
  console.log(`| ${what} | ${(a as number).toPrecision(4)} | ${(b as number).toPrecision(4)} | ${ratio.toFixed(1)}× ${String(what).startsWith('per-token') ? 'faster' : 'the tokens/s'} |`);
}
mkdirSync(path.join(root, 'bench/results'), { recursive: true });
writeFileSync(path.join(root, 'bench/results/browser.json'), JSON.stringify({ chromium: browser.version(), tfjs: tfVersion, runs, results }, null, 2));
