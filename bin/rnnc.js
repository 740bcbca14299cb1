#!/usr/bin/env node
// Installed, rnnc runs its build (dist/). In a clone of the repository, where src/ is present
// and tsx is installed, it runs the TypeScript source instead, so the CLI that developers and
// the tests run is always the code as it stands, never a stale dist/. RNNC_DIST=1 runs the
// build in a clone too.
import { existsSync } from 'node:fs';
import module from 'node:module';

const source = new URL('../src/cli/main.ts', import.meta.url);
const built = new URL('../dist/cli/main.js', import.meta.url);

async function tsx() {
  try {
    return await import('tsx/esm/api');
  } catch {
    return undefined;
  }
}

const dev = process.env.RNNC_DIST !== '1' && existsSync(source) ? await tsx() : undefined;
if (dev) {
  dev.register();
  await import(source.href);
} else if (existsSync(built)) {
  // Node >= 22.1 keeps V8's compiled code of the modules between runs (a faster start).
  module.enableCompileCache?.();
  await import(built.href);
} else {
  console.error('rnnc: dist/ is missing: build it with `npm run build` (or install the dev dependencies to run from source)');
  process.exit(1);
}
