#!/usr/bin/env node
// Builds what users install: src/ → dist/ (JavaScript and .d.ts, tsc with tsconfig.build.json),
// the CLI bundled by esbuild into dist/cli/, and the grammar compiled ahead of time
// (dist/util/rnn-grammar.json: Ohm takes ~200 ms to compile grammar/rnn.ohm, loading its
// recipe ~2 ms). npm runs it as `prepare`: at `npm ci` /
// `npm install` in a clone, for a git dependency, and before `npm pack` / `npm publish`.
// Type errors fail the build when packing; at install they are reported and dist/ is still
// written (tsc emits anyway), so a work-in-progress clone still installs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const packing = ['pack', 'publish'].includes(process.env.npm_command ?? '') || process.argv.includes('--strict');
const say = (msg) => console.log(`rnnc: ${msg}`);

function fail(msg) {
  say(msg);
  // Not building is fatal only for a package about to be packed; an install goes on (bin/rnnc.js
  // then runs the TypeScript source when tsx is there, and says what is missing otherwise).
  process.exit(packing ? 1 : 0);
}

let tsc;
try {
  tsc = createRequire(path.join(root, 'package.json')).resolve('typescript/bin/tsc');
} catch {
  fail('dist/ not built: TypeScript is not installed (it is a dev dependency: npm install without --omit=dev)');
}

const t0 = performance.now();
// A clean dist/: no output of a deleted or renamed source file lingers.
rmSync(dist, { recursive: true, force: true });
const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
if (r.status !== 0 && !existsSync(path.join(dist, 'cli/main.js'))) fail(`dist/ not built: tsc exited with ${r.status ?? r.signal}`);
if (r.status !== 0) {
  if (packing) fail('type errors (above): not packing a build of code that does not type-check');
  say('type errors (above); dist/ written anyway');
}

// The grammar's recipe, with the grammar text it was made from: src/util/grammar-recipe.ts uses
// it only while grammar/rnn.ohm still reads exactly so.
const ohm = await import('ohm-js');
const grammar = readFileSync(path.join(root, 'grammar/rnn.ohm'), 'utf8');
writeFileSync(path.join(dist, 'util/rnn-grammar.json'), JSON.stringify({ grammar, recipe: JSON.parse(ohm.grammar(grammar).toRecipe()) }));

// The CLI bundled (scripts/bundle-cli.mjs): a start reads a few files, not ~60. esbuild is a dev
// dependency like TypeScript; without it the CLI runs from tsc's output, only slower.
let bundler;
try {
  bundler = await import('./bundle-cli.mjs');
  await import('esbuild');
} catch {
  bundler = undefined;
  say('esbuild is not installed: the CLI in dist/ is not bundled (it starts slower)');
}
if (bundler) {
  await bundler.bundleCli(root);
  // V8's code cache of dist/cli/check-fast.cjs (bin/rnnc.js): made by checking the shipped
  // models twice on a fresh parse cache, so it holds the code a warm check runs.
  const parses = mkdtempSync(path.join(tmpdir(), 'rnnc-build-'));
  const models = readdirSync(path.join(root, 'models')).filter((f) => f.endsWith('.rnn')).map((f) => path.join('models', f));
  for (const write of ['0', '1']) {
    const env = { ...process.env, RNNC_DIST: '1', RNNC_CACHE_DIR: parses, RNNC_WRITE_CODE_CACHE: write };
    spawnSync(process.execPath, [path.join(root, 'bin/rnnc.js'), 'check', '-q', ...models], { cwd: root, env, stdio: 'ignore' });
  }
  rmSync(parses, { recursive: true, force: true });
  if (!existsSync(path.join(dist, 'cli/check-fast.cjs.v8-cache'))) say('no code cache for rnnc check was written (it starts a few ms slower)');
}
// The browser build (dist/browser/rnnc.mjs), in its own process: that script exits early when
// esbuild is missing, which must not end this one.
if (bundler) spawnSync(process.execPath, [path.join(root, 'scripts/build-browser.mjs')], { cwd: root, stdio: 'inherit' });
say(`built dist/ in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
