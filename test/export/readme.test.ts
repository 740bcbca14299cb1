// The README's standalone-module example, run as printed: its `rnnc export` command on a
// checkpoint named as in the README, then its code block with plain `node` in a directory
// with no node_modules. What it prints is checked against the library and `rnnc sample`.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { buildCharVocab, compile, saveCheckpoint } from '../../src/index.ts';
import { root, runNode, tempDir } from './helpers.ts';

/** The paragraph "Standalone module." under ## Library: its export command and its code block. */
function example(): { command: string[]; code: string } {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Library'), readme.indexOf('\n## Layout'));
  const para = section.slice(section.indexOf('**Standalone module.**'));
  const command = /`rnnc (export [^`]+)`/.exec(para);
  const code = /```js\n([\s\S]*?)```/.exec(para);
  if (!command || !code) throw new Error('README.md has no standalone-module example under ## Library');
  return { command: command[1].split(' '), code: code[1] };
}

const rnnc = (cwd: string, args: string[]) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
    execFile(process.execPath, [join(root, 'bin/rnnc.js'), ...args], { cwd, encoding: 'utf8' }, (err, stdout, stderr) => done({ code: err ? 1 : 0, stdout, stderr })),
  );

it('the README standalone-module example runs as printed', async () => {
  const { command, code } = example();
  const dir = tempDir('rnnc-readme-export-');
  // A checkpoint where the README has one (a short run on a little Shakespeare is enough here).
  const text = readFileSync(join(root, 'data/tinyshakespeare/input.txt'), 'utf8').slice(0, 20_000);
  const model = compile(join(root, 'models/char-lstm.rnn'), { vocab: buildCharVocab(text), dims: { hidden: 32, embed: 16 } }).init(0);
  await model.train({ train: text }, { steps: 20, batch: 4, bptt: 32, lr: 1e-2 });
  saveCheckpoint(join(dir, 'runs/shakespeare'), { model, initSeed: 0, version: 'test', best: 'none' });
  const ex = await rnnc(dir, command);
  expect(ex.stderr).toBe('');
  expect(ex.code).toBe(0);
  const r = await runNode(dir, 'example.mjs', code);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const lines = (r.out as string).split('\n');
  const ppl = Number(lines[0].split(' ')[1]);
  expect(Math.abs(ppl - model.evaluate('ROMEO: What say you?\n', { batch: 1 }).perplexity) / ppl).toBeLessThan(1e-5);
  const p = Number(lines[1].split('= ')[1]);
  expect(Math.abs(p - model.step(model.encode('R')[0]).probs[model.encode('O')[0]])).toBeLessThan(1e-3);
  const s = await rnnc(dir, ['sample', 'runs/shakespeare', '--prompt', 'ROMEO:', '--length', '100', '--temperature', '0.8', '--seed', '1']);
  expect('ROMEO:' + lines.slice(2).join('\n')).toBe(s.stdout);
}, 120_000);
