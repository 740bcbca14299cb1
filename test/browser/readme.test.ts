// The README's "In the browser." paragraph, run as printed: its commands (a short training
// run stands in for `--minutes 1`), then its code in a Chromium page served by the printed
// server, whose loss is the library's in Node for the same model, data and options.
import { execFile, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { buildCharVocab, compile, saveCheckpoint } from '../../src/index.ts';
import { tempDir } from '../export/helpers.ts';
import { CHROMIUM, open, root, SKIP } from './helpers.ts';

/** The paragraph "In the browser." under ## Library: its shell lines and its code block. */
function example(): { commands: string[]; code: string } {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Library'), readme.indexOf('\n## Layout'));
  const para = section.slice(section.indexOf('**In the browser.**'));
  const sh = /```sh\n([\s\S]*?)```/.exec(para);
  const code = /```js\n([\s\S]*?)```/.exec(para);
  if (!sh || !code) throw new Error('README.md has no "In the browser." example under ## Library');
  return { commands: sh[1].trim().split('\n').map((l) => l.replace(/\s+#.*$/, '').trim()), code: code[1] };
}

const rnnc = (cwd: string, args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
    execFile(process.execPath, [join(root, 'bin/rnnc.js'), ...args], { cwd, encoding: 'utf8' }, (err, stdout, stderr) => done({ code: err ? 1 : 0, stdout, stderr })),
  );

it('the README browser example runs as printed', async () => {
  if (!CHROMIUM) return void console.log(SKIP);
  const { commands, code } = example();
  expect(commands).toHaveLength(4);
  const [train, exp, build, serve] = commands.map((c) => c.split(/\s+/));
  // 1. The checkpoint the README trains (a short run on a little Shakespeare is enough here).
  expect(train.slice(0, 3)).toEqual(['npx', 'rnnc', 'train']);
  const out = train[train.indexOf('--out') + 1];
  const dir = tempDir('rnnc-readme-browser-');
  const text = readFileSync(join(root, 'data/tinyshakespeare/input.txt'), 'utf8').slice(0, 20_000);
  const model = compile(join(root, 'models', `${train[3]}.rnn`), { vocab: buildCharVocab(text), dims: { hidden: 32, embed: 16 } }).init(0);
  await model.train({ train: text }, { steps: 10, batch: 4, bptt: 32, lr: 1e-2 });
  saveCheckpoint(join(dir, out), { model, initSeed: 0, version: 'test', best: 'none' });
  // 2. The export, as printed, in a copy of examples/browser/.
  mkdirSync(join(dir, 'examples'));
  cpSync(join(root, 'examples/browser'), join(dir, 'examples/browser'), { recursive: true, filter: (f) => !/model\.(mjs|d\.mts)$/.test(f) });
  expect(exp.slice(0, 2)).toEqual(['npx', 'rnnc']);
  const ex = await rnnc(dir, exp.slice(2));
  expect(ex.stderr).toBe('');
  expect(ex.code).toBe(0);
  // 3. npm run build:browser: the package's script, run here; the bundle goes beside the copy.
  expect(build).toEqual(['npm', 'run', 'build:browser']);
  const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['build:browser'].split(' ');
  expect(script[0]).toBe('node');
  const b = spawnSync(process.execPath, [...script.slice(1), '--outfile', join(dir, 'dist/browser/rnnc.mjs')], { cwd: root, encoding: 'utf8' });
  expect(b.status).toBe(0);
  // 4. The server, as printed (on a free port), and its suggestion page on the exported model.
  expect(serve).toEqual(['node', 'examples/browser/serve.mjs']);
  const s = await open([], join(dir, 'examples/browser/serve.mjs'));
  try {
    await s.page.goto(s.base + 'suggest.html');
    await s.page.waitForSelector('#text:not([disabled])', { timeout: 30_000 });
    await s.page.type('#text', 'the ');
    expect(await s.page.$$eval('#suggestions li', (l) => l.length)).toBe(8);
    // The code block, as a module script of a page of that server.
    const logs: string[] = [];
    s.page.on('console', (m) => m.type() === 'log' && logs.push(m.text()));
    await s.page.addScriptTag({ type: 'module', content: code });
    for (let t = 0; logs.length < 2 && t < 600; t++) await new Promise((r) => setTimeout(r, 100));
    expect(logs).toHaveLength(2);
    const tiny = 'the cat sat on the mat.\n'.repeat(100);
    const ref = compile(join(root, 'models/char-lstm.rnn'), { vocab: buildCharVocab(tiny), dims: { embed: 16, hidden: 32 } }).init(0);
    const { lastLoss } = await ref.train({ train: tiny }, { steps: 40, batch: 4, bptt: 16, lr: 1e-2 });
    expect(logs[0]).toMatch(/^loss \d+\.\d{4}$/);
    expect(Math.abs(Number(logs[0].split(' ')[1]) - lastLoss)).toBeLessThan(Math.max(1e-3 * lastLoss, 1e-4) + 5e-5);
    expect([...logs[1]]).toHaveLength(30);
    expect([...logs[1]].every((c) => ref.vocab!.tokens.includes(c))).toBe(true);
    expect(s.errors).toEqual([]);
  } finally {
    await s.close();
  }
}, 120_000);
