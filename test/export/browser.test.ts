// The exported module in a real browser: headless Chromium loads a page whose
// <script type="module"> imports it from a local server (weights inlined, and external ones
// fetched by a relative URL), on WebAssembly SIMD and on the JS kernels; the page posts
// back what it computed, which must be the library's numbers and the library's sample.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { exportModule } from '../../src/index.ts';
import { scoreText } from '../../src/runtime/score.ts';
import { SHIPPED, tempDir, trainedTiny } from './helpers.ts';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
const TEXT = 'a dog sat on the mat .\n';
const SAMPLE = { prompt: 'the ', length: 30, temperature: 0.7, seed: 3 };

const PAGE = `<!doctype html><meta charset="utf-8"><title>rnnc export</title>
<script type="module">
const post = (x) => fetch('/result', { method: 'POST', body: JSON.stringify(x) });
try {
  const m = await import('./model.mjs');
  const run = () => ({ kernels: m.info().kernels, lp: m.score(${JSON.stringify(TEXT)}).logProbs, sample: m.sample(${JSON.stringify(SAMPLE)}).text });
  const wasm = run();
  await m.init({ kernels: 'js' });
  const js = run();
  const ext = await import('./ext.mjs');
  await ext.init({ weights: './ext.safetensors' });
  post({ wasm, js, ext: ext.score(${JSON.stringify(TEXT)}).logProbs });
} catch (e) {
  post({ error: String(e && e.stack || e) });
}
</script>`;

it('runs in a browser page as <script type="module">', async () => {
  if (!CHROMIUM) {
    console.log('skipped: no Chromium (apt-get install chromium)');
    return;
  }
  const model = await trainedTiny(SHIPPED.find((f) => f.endsWith('char-lstm.rnn'))!);
  const dir = tempDir('rnnc-export-browser-');
  writeFileSync(join(dir, 'model.mjs'), exportModule(model, { format: 'esm' }).code);
  const ext = exportModule(model, { format: 'esm', weights: 'external' });
  writeFileSync(join(dir, 'ext.mjs'), ext.code);
  writeFileSync(join(dir, 'ext.safetensors'), ext.safetensors);
  writeFileSync(join(dir, 'index.html'), PAGE);
  const types: Record<string, string> = { html: 'text/html', mjs: 'text/javascript', safetensors: 'application/octet-stream' };
  let got!: (x: unknown) => void;
  const result = new Promise<unknown>((ok) => (got = ok));
  const server = createServer((req, res) => {
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => (res.end(), got(JSON.parse(body))));
      return;
    }
    const file = join(dir, (req.url ?? '/') === '/' ? 'index.html' : req.url!.slice(1));
    if (!existsSync(file)) return void ((res.statusCode = 404), res.end());
    res.setHeader('content-type', types[file.split('.').pop()!] ?? 'application/octet-stream');
    res.end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  const browser = spawn(CHROMIUM, ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', `--user-data-dir=${join(dir, 'profile')}`, `http://127.0.0.1:${port}/`], { stdio: 'ignore' });
  try {
    const out = (await Promise.race([result, new Promise((_, no) => setTimeout(() => no(new Error('the page posted nothing in 60 s')), 60_000))])) as {
      error?: string;
      wasm: { kernels: string; lp: (number | null)[]; sample: string };
      js: { kernels: string; lp: (number | null)[]; sample: string };
      ext: (number | null)[];
    };
    expect(out.error).toBeUndefined();
    expect(out.wasm.kernels).toBe('wasm-simd128');
    expect(out.js.kernels).toBe('js');
    const ref = scoreText(model, TEXT).tokens;
    const refSample = model.sample(SAMPLE).text;
    for (const run of [out.wasm, out.js]) {
      ref.forEach((t, i) => i > 0 && expect(Math.abs(run.lp[i]! - t.ln!)).toBeLessThan(1e-5));
      expect(run.sample).toBe(refSample);
    }
    expect(out.ext).toEqual(out.wasm.lp);
  } finally {
    browser.kill();
    server.close();
  }
}, 120_000);
