#!/usr/bin/env node
// Builds rnnc for a browser page: src/browser/index.ts → dist/browser/rnnc.mjs, one ES module
// (esbuild, --platform=browser: no Node built-in may be reached). The few modules that need a
// disk are replaced by their browser twins (src/browser/twins/: a page has no disk), the
// grammar's recipe and the shipped models are inlined, and the kernels are the WebAssembly
// ones (no native addon: the twins never load it; no Node worker: one thread without node:os).
// Beside it, train-worker.mjs (src/browser/train-worker.ts): a module Web Worker that trains off
// the page's thread, importing the bundle beside it rather than holding a second copy.
//   node scripts/build-browser.mjs [--outfile FILE]   (the worker goes to FILE's directory)
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const at = process.argv.indexOf('--outfile');
const outfile = at >= 0 ? path.resolve(process.argv[at + 1]) : path.join(root, 'dist/browser/rnnc.mjs');
const say = (msg) => console.log(`rnnc: ${msg}`);

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  say('dist/browser/ not built: esbuild is not installed (a dev dependency)');
  process.exit(0);
}

/** Modules that read or write files, and the twins that take their place in a page. */
const TWINS = new Map(
  ['syntax/read-disk.ts', 'syntax/parse-cache.ts', 'runtime/files.ts', 'util/package-root.ts', 'util/grammar-recipe.ts'].map((f) => [
    path.join(root, 'src', f),
    path.join(root, 'src/browser/twins', path.basename(f)),
  ]),
);

const twins = {
  name: 'rnnc-browser-twins',
  setup(build) {
    // node:path's POSIX functions are pure: the front end's file names are keys of its sources.
    build.onResolve({ filter: /^(node:)?path$/ }, () => ({ path: path.join(root, 'src/browser/twins/path.ts') }));
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const twin = TWINS.get(path.resolve(args.resolveDir, args.path));
      return twin ? { path: twin } : undefined;
    });
  },
};

/** Every .rnn file under models/, by its path inside models/. */
function shippedModels(dir = path.join(root, 'models'), prefix = '') {
  const out = {};
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) Object.assign(out, shippedModels(path.join(dir, e.name), `${prefix}${e.name}/`));
    else if (e.name.endsWith('.rnn')) out[prefix + e.name] = readFileSync(path.join(dir, e.name), 'utf8');
  }
  return out;
}

const ohm = await import('ohm-js');
const grammar = readFileSync(path.join(root, 'grammar/rnn.ohm'), 'utf8');
const recipe = JSON.parse(ohm.grammar(grammar).toRecipe());
const t0 = performance.now();
/** An ES module bundle for the browser; esbuild's errors as file:line:col lines and exit 1. */
const bundle = (options) =>
  esbuild
    .build({ bundle: true, format: 'esm', platform: 'browser', target: 'es2022', legalComments: 'none', logLevel: 'silent', metafile: true, ...options })
    .catch((e) => {
      for (const m of e.errors ?? [e]) console.error(m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ${m.text}` : String(m.text ?? m));
      process.exit(1);
    });

const result = await bundle({
  entryPoints: [path.join(root, 'src/browser/index.ts')],
  outfile,
  plugins: [twins],
  define: { RNNC_GRAMMAR: JSON.stringify({ grammar, recipe }), RNNC_SHIPPED_MODELS: JSON.stringify(shippedModels()) },
});

/** The worker's `./index.ts` is the library bundle itself, loaded from beside the worker. */
const library = {
  name: 'rnnc-worker-library',
  setup(build) {
    build.onResolve({ filter: /^\.\/index\.ts$/ }, () => ({ path: `./${path.basename(outfile)}`, external: true }));
  },
};
const worker = await bundle({
  entryPoints: [path.join(root, 'src/browser/train-worker.ts')],
  outfile: path.join(path.dirname(outfile), 'train-worker.mjs'),
  plugins: [library],
});
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
const workerBytes = Object.values(worker.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
say(`built ${path.relative(process.cwd(), outfile) || outfile} (${(bytes / 1024).toFixed(0)} KiB) and train-worker.mjs (${(workerBytes / 1024).toFixed(1)} KiB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
