// The README's library example, run exactly as printed: a user who copies it gets a model
// that trains, evaluates, steps, samples and saves.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

/** The first ```ts block after the heading `## Library`. */
function libraryExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Library'));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  if (!m) throw new Error('README.md has no ```ts block under ## Library');
  return m[1];
}

it('the README library example runs as printed', async () => {
  const code = libraryExample();
  expect(code).toContain("from 'rnnc'");
  // A project beside rnnc: `rnnc` installed in node_modules, the models folder at hand.
  const dir = mkdtempSync(join(tmpdir(), 'rnnc-readme-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(root, join(dir, 'node_modules', 'rnnc'), 'dir');
  symlinkSync(join(root, 'models'), join(dir, 'models'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(join(dir, 'example.ts'), code);
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
    execFile(join(root, 'node_modules/.bin/tsx'), ['example.ts'], { cwd: dir, encoding: 'utf8' }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const lines = r.stdout.trim().split('\n');
  const losses = lines.filter((l) => l.startsWith('step ')).map((l) => Number(l.split('loss ')[1]));
  expect(losses).toHaveLength(2);
  expect(losses[1]).toBeLessThan(losses[0]);
  const ppl = Number(lines.find((l) => l.startsWith('perplexity'))!.split(' ')[1]);
  expect(ppl).toBeGreaterThan(1);
  expect(ppl).toBeLessThan(16); // the text has 14 distinct characters; a model that learned beats uniform
  const p = Number(lines.find((l) => l.startsWith('p(e'))!.split('= ')[1]);
  expect(p).toBeGreaterThan(0);
  expect(p).toBeLessThanOrEqual(1);
  expect(existsSync(join(dir, 'cat.safetensors'))).toBe(true);
}, 60_000);
