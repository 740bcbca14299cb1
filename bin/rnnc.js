#!/usr/bin/env node
// Installed, rnnc runs its build (dist/). In a clone of the repository, where src/ is present
// and tsx is installed, it runs the TypeScript source instead, so the CLI that developers and
// the tests run is always the code as it stands, never a stale dist/. RNNC_DIST=1 runs the
// build in a clone too. CommonJS (bin/package.json): `rnnc check`, the command that must start
// fast, then runs from dist/cli/check-fast.cjs without loading Node's ES module loader at all.
'use strict';
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const root = path.join(__dirname, '..');
const source = path.join(root, 'src/cli/main.ts');
const built = path.join(root, 'dist/cli/main.js');
const fast = path.join(root, 'dist/cli/check-fast.cjs');

/**
 * Loads check-fast.cjs with V8's compiled code of it from check-fast.cjs.v8-cache, written by
 * scripts/build.mjs after a check (a few ms of a start). V8 refuses a cache made by another
 * Node version or with other flags; the bundle is then compiled as usual.
 */
function loadFastCheck() {
  const Module = require('node:module');
  const vm = require('node:vm');
  let cachedData;
  try {
    cachedData = readFileSync(`${fast}.v8-cache`);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(readFileSync(fast, 'utf8')), { filename: fast, cachedData });
  if (process.env.RNNC_DEBUG_STARTUP === '1') {
    console.error(`rnnc: check from ${path.basename(fast)}, code cache ${cachedData === undefined ? 'absent' : script.cachedDataRejected ? 'rejected' : 'used'}`);
  }
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, Module.createRequire(fast), mod, fast, path.dirname(fast));
  return { fastCheck: mod.exports.fastCheck, script };
}

async function main() {
  if (process.env.RNNC_DIST !== '1' && existsSync(source)) {
    const dev = await import('tsx/esm/api').catch(() => undefined);
    if (dev) {
      dev.register();
      return import(pathToFileURL(source).href);
    }
  }
  if (!existsSync(built)) {
    console.error('rnnc: dist/ is missing: build it with `npm run build` (or install the dev dependencies to run from source)');
    process.exit(1);
  }
  if (process.argv[2] === 'check' && existsSync(fast)) {
    // null: not check's usual form (help, an unknown option): main.js hands it to commander.
    const { fastCheck, script } = loadFastCheck();
    const code = fastCheck(process.argv);
    // The build writes the cache after checking the shipped models (the code a check runs is then compiled).
    if (process.env.RNNC_WRITE_CODE_CACHE === '1') writeFileSync(`${fast}.v8-cache`, script.createCachedData());
    if (code !== null) {
      process.exitCode = code;
      return undefined;
    }
  }
  // Node >= 22.1 keeps V8's compiled code of the modules between runs (a faster start).
  require('node:module').enableCompileCache?.();
  return import(pathToFileURL(built).href);
}

main();
