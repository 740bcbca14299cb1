// rnnc as users get it: `npm pack` (which builds dist/ fresh), the tarball installed into an
// empty project without dev dependencies (no tsx, no TypeScript), and there the CLI, plain-Node
// imports of `rnnc` and `rnnc/testing`, the type declarations and an esbuild bundle.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'rnnc-package-'));
const project = join(work, 'project');
const installed = join(project, 'node_modules', 'rnnc');

// As a user's shell has it: none of the outer npm's settings, and not the tests' `rnnc-source`
// condition (vitest.config.ts), which points at TypeScript the package does not ship.
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_') && k !== 'NODE_OPTIONS'));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], cwd = project): Promise<Run> {
  return new Promise((done) => {
    execFile(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const rnnc = (...args: string[]) => run(join(project, 'node_modules/.bin/rnnc'), args);

/** The first ```js block under `## Install` in README.md: the plain-Node example. */
function readmeExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const m = /```js\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf('\n## Install')));
  if (!m) throw new Error('README.md has no ```js block under ## Install');
  return m[1];
}

beforeAll(async () => {
  const pack = await run('npm', ['pack', '--pack-destination', work], root);
  expect(pack.code, pack.stdout + pack.stderr).toBe(0);
  expect(pack.stdout).toMatch(/rnnc: built dist\//); // prepare ran: a fresh build, never a stale dist/
  const tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }));
  const install = await run('npm', ['install', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', tarball]);
  expect(install.code, install.stderr).toBe(0);
}, 300_000);

// The temporary install holds node_modules: deleting it takes more than vitest's 10 s hook limit under load.
afterAll(() => rmSync(work, { recursive: true, force: true }), 120_000);

describe.concurrent('the packed and installed package', () => {
  it('holds built JavaScript and the assets, not the TypeScript source or dev tools', () => {
    expect(existsSync(join(installed, 'dist/index.js'))).toBe(true);
    expect(existsSync(join(installed, 'dist/index.d.ts'))).toBe(true);
    expect(existsSync(join(installed, 'dist/util/rnn-grammar.json'))).toBe(true);
    expect(existsSync(join(installed, 'grammar/rnn.ohm'))).toBe(true);
    expect(existsSync(join(installed, 'data/tinyshakespeare/input.txt'))).toBe(true);
    expect(readdirSync(join(installed, 'src/kernels/native')).sort()).toEqual(['arena.c', 'bindings.c', 'common.h', 'gemm-bf16.c', 'gemm.c', 'kernels.c', 'optim.c', 'threads.c', 'xent.c']);
    expect(existsSync(join(installed, 'src/cli'))).toBe(false);
    for (const dev of ['tsx', 'typescript', 'vitest']) expect(existsSync(join(project, 'node_modules', dev)), dev).toBe(false);
  });

  it('rnnc --help lists the commands', async () => {
    const r = await rnnc('--help');
    expect(r.code, r.stderr).toBe(0);
    for (const c of ['check', 'ir', 'graph', 'gradcheck', 'grad', 'compile', 'train', 'eval', 'sample']) expect(r.stdout).toMatch(new RegExp(`\\n  ${c} `));
  });

  it('rnnc check finds the bundled model from a directory without it, loading neither trainer, kernels, fast-check nor Graphviz', async () => {
    // Logs every module the process loads (Node's module hooks), to see what `check` pulls in.
    writeFileSync(join(project, 'hooks.mjs'), "import { writeSync } from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); writeSync(2, `loaded ${r.url}\\n`); return r; }\n");
    writeFileSync(join(project, 'trace.mjs'), "import { register } from 'node:module';\nregister('./hooks.mjs', import.meta.url);\n");
    env.RNNC_DEBUG_STARTUP = '1';
    const r = await run('node', ['--import', './trace.mjs', join(project, 'node_modules/.bin/rnnc'), 'check', 'models/char-lstm.rnn']).finally(() => delete env.RNNC_DEBUG_STARTUP);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('model CharLSTM');
    expect(r.stdout).toContain('total: 321*vocab + 854016 parameters');
    expect(r.stderr).toContain(`rnnc: models/char-lstm.rnn: not in this directory; using ${join(installed, 'models/char-lstm.rnn')} (bundled with rnnc)`);
    const loaded = r.stderr.split('\n').filter((l) => l.startsWith('loaded ')).map((l) => l.slice(7));
    // The CommonJS check bundle with the code cache the packing build wrote; no ES module of the CLI.
    expect(r.stderr).toContain('rnnc: check from check-fast.cjs, code cache used');
    expect(loaded.filter((u) => u.includes('/dist/cli/'))).toEqual([]);
    for (const heavy of ['fast-check', '@viz-js', 'cli-progress', '/dist/runtime/', '/dist/kernels/', '/dist/codegen/', '/dist/cli/train.js']) {
      expect(loaded.filter((u) => u.includes(heavy)), heavy).toEqual([]);
    }
  });

  it('rnnc train char-lstm trains 5 steps on the bundled corpus and writes a checkpoint', async () => {
    const r = await rnnc('train', 'char-lstm', '--steps', '5', '--dims', 'embed=8,hidden=16', '--batch', '4', '--bptt', '16', '--sample', '20', '--out', 'run');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`rnnc: char-lstm: not in this directory; using ${join(installed, 'models/char-lstm.rnn')} (bundled with rnnc)`);
    expect(r.stdout).toContain('on tiny Shakespeare (bundled)');
    expect(r.stdout).toContain('checkpoint: run');
    for (const f of ['model.safetensors', 'vocab.json', 'config.json']) expect(existsSync(join(project, 'run', f)), f).toBe(true);
    expect(JSON.parse(readFileSync(join(project, 'run/config.json'), 'utf8')).trainer.step).toBe(5);
  });

  it('the native kernels built at install load from dist/ (they check their source, src/kernels/native/kernels.c)', async (ctx) => {
    if (!existsSync(join(installed, 'build/rnnc-kernels.node'))) ctx.skip(); // no C compiler here: the WebAssembly kernels run
    const r = await run('node', ['--input-type=module', '-e', "process.env.RNNC_KERNELS = 'native'; const { compile, buildCharVocab } = await import('rnnc'); const v = buildCharVocab('abcabc'); const m = compile('node_modules/rnnc/models/char-lstm.rnn', { vocab: v, dims: { embed: 4, hidden: 8 } }).init(1); await m.train({ train: 'abcabcabcabc' }, { steps: 2, batch: 1, bptt: 4 }); console.log('trained');"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('trained\n');
  });

  it('plain node runs the README example: a model given as text compiles, trains 5 steps and samples', async () => {
    writeFileSync(join(project, 'app.mjs'), readmeExample());
    const r = await run('node', ['app.mjs']);
    expect(r.code, r.stderr).toBe(0);
    const [first, ...rest] = r.stdout.split('\n');
    const m = /^5 steps, loss (\d+\.\d+)$/.exec(first);
    expect(m, first).not.toBeNull();
    // 14 distinct characters: an untrained model's loss is near ln 14 ≈ 2.64, and finite.
    expect(Number(m![1])).toBeGreaterThan(1);
    expect(Number(m![1])).toBeLessThan(4);
    const sample = rest.join('\n').replace(/\n$/, '');
    expect(sample.length).toBeGreaterThan(0);
    expect([...sample].every((ch) => 'the cat sat on the mat.\n'.includes(ch))).toBe(true);
  });

  it('rnnc/testing checks the gradients of a cell from plain node', async () => {
    writeFileSync(
      join(project, 'grads.mjs'),
      "import { checkGradients } from 'rnnc/testing';\nconst r = checkGradients('node_modules/rnnc/models/cells/elman.rnn', { runs: 3, seed: 7 });\nconsole.log(JSON.stringify({ ok: r.ok, models: r.results.map((x) => x.model), runs: r.results.map((x) => x.runs) }));\n",
    );
    const r = await run('node', ['grads.mjs']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, models: [expect.stringContaining('Elman')], runs: [3] });
  });

  it('its type declarations check in a strict TypeScript project (no skipLibCheck)', async () => {
    writeFileSync(
      join(project, 'app.ts'),
      "import { compile, type LanguageModel, type TrainResult } from 'rnnc';\nimport { checkGradients, type GradcheckReport } from 'rnnc/testing';\nexport const m: (f: string) => LanguageModel = (f) => compile(f);\nexport const g: GradcheckReport = checkGradients('x.rnn');\nexport type R = TrainResult['lastLoss'];\n",
    );
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, typeRoots: [join(root, 'node_modules/@types')], types: ['node'] }, files: ['app.ts'] }),
    );
    const r = await run('node', [join(root, 'node_modules/typescript/bin/tsc'), '-p', '.']);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('esbuild bundles rnnc and rnnc/testing for node', async () => {
    writeFileSync(join(project, 'both.mjs'), "export { compile } from 'rnnc';\nexport { checkGradients } from 'rnnc/testing';\n");
    const esbuild = await import('esbuild');
    const out = await esbuild.build({ absWorkingDir: project, entryPoints: ['both.mjs'], bundle: true, platform: 'node', format: 'esm', write: false, logLevel: 'silent' });
    expect(out.errors).toEqual([]);
    const code = out.outputFiles[0].text;
    expect(code).toContain('function checkGradients');
    expect(code).not.toMatch(/from "[^"]*\.ts"/);
  });
});
