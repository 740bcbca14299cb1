// What `rnnc check` loads, rather than how long it takes (a wall-clock limit would fail on a
// loaded CI machine): with the parse cache warm it loads neither Ohm nor the runtime, kernels,
// code generator or heavy packages, and prints exactly what the cold run printed. Checked on
// the TypeScript source (as in a clone) and on a fresh esbuild bundle laid out as an installed
// package (dist/cli/, what users run).
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'rnnc-startup-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Logs every module a process loads: ESM through Node's resolve hook, CommonJS (Ohm is
// require()d) from require.cache at exit.
const tracer = join(work, 'trace.mjs');
writeFileSync(join(work, 'hooks.mjs'), "import { writeSync } from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); writeSync(2, `loaded ${r.url}\\n`); return r; }\n");
writeFileSync(
  tracer,
  "import { register, createRequire } from 'node:module';\nimport { writeSync } from 'node:fs';\nregister('./hooks.mjs', import.meta.url);\nprocess.on('exit', () => { for (const f of Object.keys(createRequire(import.meta.url).cache)) writeSync(2, `loaded file://${f}\\n`); });\n",
);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  loaded: string[];
}

function run(script: string, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((done) => {
    execFile('node', ['--import', pathToFileURL(tracer).href, script, ...args], { cwd: root, env: { ...process.env, ...env }, encoding: 'utf8' }, (err, stdout, stderr) => {
      const lines = stderr.split('\n');
      done({
        code: err ? ((err as { code?: number }).code ?? 1) : 0,
        stdout,
        stderr: lines.filter((l) => !l.startsWith('loaded ')).join('\n'),
        loaded: lines.filter((l) => l.startsWith('loaded ')).map((l) => l.slice(7)),
      });
    });
  });
}

const HEAVY = ['/node_modules/fast-check/', '/node_modules/@viz-js/', '/node_modules/cli-progress/', '/src/runtime/', '/src/kernels/', '/src/codegen/', '/src/cli/train.ts'];
const OHM = '/node_modules/ohm-js/';

/** Runs `rnnc check` cold then warm on one fresh cache; returns both runs. */
async function coldAndWarm(script: string, env: Record<string, string>, cacheName: string) {
  const cache = join(work, cacheName);
  const args = ['check', 'models/char-lstm.rnn', 'models/cells/gru.rnn'];
  const cold = await run(script, args, { ...env, RNNC_CACHE_DIR: cache });
  const warm = await run(script, args, { ...env, RNNC_CACHE_DIR: cache });
  return { cold, warm, cache };
}

describe('rnnc check from the TypeScript source', () => {
  it('parses with Ohm when the cache is cold, and loads neither Ohm nor anything heavy when it is warm', async () => {
    const { cold, warm, cache } = await coldAndWarm(join(root, 'bin/rnnc.js'), { RNNC_DIST: '0' }, 'source');
    expect(cold.code, cold.stderr).toBe(0);
    expect(cold.stdout).toContain('total: 321*vocab + 854016 parameters');
    // The tracer sees Ohm when it is loaded: the warm run's silence about it means something.
    expect(cold.loaded.some((u) => u.includes(OHM))).toBe(true);
    expect(cold.loaded.some((u) => u.endsWith('/src/cli/check.ts'))).toBe(true);
    expect(readdirSync(join(cache, 'parse')).length).toBeGreaterThan(0);

    expect(warm.code, warm.stderr).toBe(0);
    expect(warm.stdout).toBe(cold.stdout);
    expect(warm.stderr).toBe(cold.stderr);
    expect(warm.loaded.filter((u) => u.includes(OHM))).toEqual([]);
    for (const heavy of HEAVY) expect(warm.loaded.filter((u) => u.includes(heavy)), heavy).toEqual([]);
    // Nor commander (main.ts reads check's usual arguments itself), which the tracer does see
    // when help is asked for. (tsx itself loads node:crypto: the bundle's test checks that one.)
    expect(warm.loaded.filter((u) => u.includes('/node_modules/commander/'))).toEqual([]);
    const help = await run(join(root, 'bin/rnnc.js'), ['check', '--help'], { RNNC_DIST: '0' });
    expect(help.code, help.stderr).toBe(0);
    expect(help.loaded.some((u) => u.includes('/node_modules/commander/'))).toBe(true);
  });

  it('RNNC_CACHE_DIR=off parses every time and writes nothing', async () => {
    const r = await run(join(root, 'bin/rnnc.js'), ['check', 'models/char-lstm.rnn'], { RNNC_DIST: '0', RNNC_CACHE_DIR: 'off', HOME: join(work, 'home'), XDG_CACHE_HOME: join(work, 'xdg') });
    expect(r.code, r.stderr).toBe(0);
    expect(r.loaded.some((u) => u.includes(OHM))).toBe(true);
    expect(existsSync(join(work, 'home'))).toBe(false);
    expect(existsSync(join(work, 'xdg'))).toBe(false);
  });
});

describe('rnnc check from the bundle (scripts/bundle-cli.mjs)', () => {
  // A package laid out as installed: the bundle in dist/cli/, the files it reads beside it.
  const pkg = join(work, 'pkg');
  let contents: Record<string, string[]> = {};

  beforeAll(async () => {
    mkdirSync(join(pkg, 'dist/cli'), { recursive: true });
    copyFileSync(join(root, 'package.json'), join(pkg, 'package.json'));
    for (const d of ['grammar', 'models', 'node_modules']) symlinkSync(join(root, d), join(pkg, d));
    const { bundleCli } = (await import(pathToFileURL(join(root, 'scripts/bundle-cli.mjs')).href)) as { bundleCli(root: string, outdir: string): Promise<Record<string, string[]>> };
    contents = await bundleCli(root, join(pkg, 'dist/cli'));
  }, 120_000);

  it('loads only bundle files without the runtime, kernels or code generator, and no Ohm when warm', async () => {
    const { cold, warm } = await coldAndWarm(join(pkg, 'dist/cli/main.js'), {}, 'bundle');
    expect(cold.code, cold.stderr).toBe(0);
    expect(cold.stdout).toContain('total: 321*vocab + 854016 parameters');
    expect(cold.loaded.some((u) => u.includes(OHM))).toBe(true);
    expect(warm.code, warm.stderr).toBe(0);
    expect(warm.stdout).toBe(cold.stdout);
    expect(warm.stderr).toBe(cold.stderr);

    const files = [...new Set(warm.loaded.filter((u) => u.startsWith('file://')))];
    expect(files.filter((u) => u.includes(OHM))).toEqual([]);
    const bundleFiles = files.filter((u) => u.includes('/pkg/dist/cli/')).map((u) => basename(u));
    expect(bundleFiles).toContain('check.js');
    // Nothing but the bundle (and Node's own modules) is loaded: no per-module files, no packages.
    expect(files.filter((u) => !u.includes('/pkg/dist/cli/'))).toEqual([]);
    expect(bundleFiles.length).toBeLessThanOrEqual(10);
    // What the loaded bundle files hold, by source file.
    const sources = bundleFiles.flatMap((f) => contents[f] ?? [`unknown bundle file ${f}`]);
    expect(sources).toContain('src/check/index.ts');
    // Nor commander (main.ts reads check's usual arguments itself) nor node:crypto (the cache's hash is JavaScript).
    expect(warm.loaded.filter((u) => u === 'node:crypto')).toEqual([]);
    for (const heavy of ['src/runtime/', 'src/kernels/', 'src/codegen/', 'src/autodiff/', 'src/cli/train.ts', 'node_modules/ohm-js/', 'node_modules/commander/']) {
      expect(sources.filter((s) => s.includes(heavy)), heavy).toEqual([]);
    }
  });

  it('bin/rnnc.js runs check from the CommonJS bundle alone, with the same output as main.js', async () => {
    // The installed layout: bin/ (CommonJS by bin/package.json) beside the bundle, no src/.
    mkdirSync(join(pkg, 'bin'), { recursive: true });
    for (const f of ['rnnc.js', 'package.json']) copyFileSync(join(root, 'bin', f), join(pkg, 'bin', f));
    const bin = join(pkg, 'bin/rnnc.js');
    const { cold, warm } = await coldAndWarm(bin, {}, 'fast');
    const esm = await coldAndWarm(join(pkg, 'dist/cli/main.js'), {}, 'fast-esm');
    expect(cold.code, cold.stderr).toBe(0);
    expect(cold.stdout).toBe(esm.cold.stdout);
    expect(warm.stdout).toBe(esm.warm.stdout);
    expect(warm.stderr).toBe(esm.warm.stderr);
    expect(cold.loaded.some((u) => u.includes(OHM))).toBe(true);
    const files = [...new Set(warm.loaded.filter((u) => u.startsWith('file://')))];
    // Only the bin (which compiles check-fast.cjs itself, with node:vm): no ES module of the
    // bundle (main.js, its chunks), no Ohm.
    expect(files.filter((u) => !u.endsWith('/pkg/bin/rnnc.js')).map((u) => basename(u))).toEqual([]);
    expect(contents['check-fast.cjs']).toContain('src/check/index.ts');
    for (const heavy of ['src/runtime/', 'src/kernels/', 'src/codegen/', 'src/cli/program.ts', 'node_modules/commander/']) {
      expect(contents['check-fast.cjs'].filter((s) => s.includes(heavy)), heavy).toEqual([]);
    }

    // V8's code cache of the bundle, as scripts/build.mjs writes it: used, and a damaged one
    // refused by V8 without changing anything a check prints.
    const cache = join(pkg, 'dist/cli/check-fast.cjs.v8-cache');
    const args = ['check', 'models/char-lstm.rnn', 'models/cells/gru.rnn'];
    const env = { RNNC_CACHE_DIR: join(work, 'fast') };
    expect((await run(bin, args, { ...env, RNNC_DEBUG_STARTUP: '1' })).stderr).toContain('rnnc: check from check-fast.cjs, code cache absent');
    await run(bin, args, { ...env, RNNC_WRITE_CODE_CACHE: '1' });
    expect(existsSync(cache)).toBe(true);
    const cached = await run(bin, args, { ...env, RNNC_DEBUG_STARTUP: '1' });
    expect(cached.stderr).toContain('code cache used');
    expect(cached.stdout).toBe(warm.stdout);
    writeFileSync(cache, 'not a code cache');
    const damaged = await run(bin, args, { ...env, RNNC_DEBUG_STARTUP: '1' });
    expect(damaged.stderr).toContain('code cache rejected');
    expect([damaged.code, damaged.stdout]).toEqual([0, warm.stdout]);
    rmSync(cache);

    // A model with errors, a missing file, and a line the fast path leaves to commander.
    const bad = join(work, 'bad.rnn');
    writeFileSync(bad, 'model M {\n  dims { vocab }\n  param E: [vocab, nope] init normal(0.1)\n}\n');
    for (const args of [['check', bad], ['check', join(work, 'missing.rnn')], ['check', '--help'], ['check', '--dims', 'vocab=x', bad]]) {
      const viaBin = await run(bin, args, { RNNC_CACHE_DIR: 'off' });
      const viaMain = await run(join(pkg, 'dist/cli/main.js'), args, { RNNC_CACHE_DIR: 'off' });
      expect([viaBin.code, viaBin.stdout, viaBin.stderr], args.join(' ')).toEqual([viaMain.code, viaMain.stdout, viaMain.stderr]);
    }
  });
});
