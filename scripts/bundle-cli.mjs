// The CLI as users run it: src/cli/main.ts and each command it loads lazily, bundled by esbuild
// into a few files in dist/cli/ (over tsc's one file per module there), so a start reads a
// handful of files instead of ~60. Ohm and the heavy optional packages stay outside, loaded only
// when needed. scripts/build.mjs runs it after tsc; test/e2e/startup.test.ts runs it too.
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Packages not bundled: loaded from node_modules, each only by the commands that need it. */
const EXTERNAL = ['ohm-js', 'fast-check', '@viz-js/viz', 'cli-progress'];

/** main.ts and the modules it and program.ts import lazily (`import('./check.ts')`): one output file each. */
function entries(root) {
  const text = ['main.ts', 'program.ts'].map((f) => readFileSync(path.join(root, 'src/cli', f), 'utf8')).join('\n');
  const lazy = [...text.matchAll(/import\('\.\/([\w-]+)\.ts'\)/g)].map((m) => `src/cli/${m[1]}.ts`);
  return ['src/cli/main.ts', ...new Set(lazy)];
}

/**
 * In a bundle, `import.meta.url` would be the bundle's URL; every use in src/ means the file's
 * own place, so each becomes the URL of that file's tsc output in dist/ (grammar, package.json
 * and the native build are found relative to it exactly as from the unbundled dist/).
 */
function ownUrl(root, outdir, format = 'esm') {
  const src = path.join(root, 'src');
  // CommonJS has no import.meta: the bundle's own URL comes from __filename there.
  const base = format === 'cjs' ? "require('node:url').pathToFileURL(__filename)" : 'import.meta.url';
  return {
    name: 'own-import-meta-url',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, (args) => {
        const text = readFileSync(args.path, 'utf8');
        if (!args.path.startsWith(src + path.sep) || !text.includes('import.meta.url')) return undefined;
        const compiled = path.join(root, 'dist', path.relative(src, args.path)).replace(/\.ts$/, '.js');
        const rel = path.relative(outdir, compiled).split(path.sep).join('/');
        return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, ${base}).href`), loader: 'ts' };
      });
    },
  };
}

/**
 * commander loads node:child_process (and with it net, dgram and more: ~5 ms) only to run
 * executable subcommands, which rnnc has none of: it gets a stand-in that loads the real
 * module on first use.
 */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(build) {
    build.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      args.importer.includes(`${path.sep}commander${path.sep}`) ? { path: 'child_process', namespace: 'lazy-child-process' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, () => ({
      contents: "let real;\nmodule.exports = { spawn: (...args) => (real ??= require('node:child_process')).spawn(...args) };\n",
      loader: 'js',
    }));
  },
};

/**
 * Bundles the CLI into `outdir` (default dist/cli) and returns, for each file written, the
 * source files it holds (paths relative to `root`), as also saved in `outdir`/bundle.json.
 */
export async function bundleCli(root, outdir = path.join(root, 'dist/cli')) {
  const esbuild = await import('esbuild');
  const written = await esbuild.build({
    absWorkingDir: root,
    entryPoints: entries(root),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir,
    entryNames: '[name]',
    chunkNames: 'chunk-[hash]',
    external: EXTERNAL,
    // Fewer bytes for V8 to scan at each start (commander is mostly comments); names are kept.
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    // commander is CommonJS: its require() of Node's modules needs a real require in ESM.
    banner: { js: "import { createRequire as __rnncCreateRequire } from 'node:module';\nconst require = __rnncCreateRequire(import.meta.url);" },
    plugins: [ownUrl(root, outdir), lazyChildProcess],
    metafile: true,
    logLevel: 'warning',
  });
  // `rnnc check` alone as one CommonJS file (src/cli/check-fast.ts): bin/rnnc.js runs it
  // without Node's ES module loader. It shares no module state with the ES bundle above.
  const fast = await esbuild.build({
    absWorkingDir: root,
    entryPoints: ['src/cli/check-fast.ts'],
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    outfile: path.join(outdir, 'check-fast.cjs'),
    external: EXTERNAL,
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    plugins: [ownUrl(root, outdir, 'cjs')],
    metafile: true,
    logLevel: 'warning',
  });
  const contents = {};
  for (const [file, out] of Object.entries({ ...written.metafile.outputs, ...fast.metafile.outputs })) {
    contents[path.basename(file)] = Object.keys(out.inputs).sort();
  }
  // tsc's per-module JavaScript of the CLI is not used any more: only the bundle is left.
  for (const f of readdirSync(outdir)) {
    if ((f.endsWith('.js') || f.endsWith('.cjs')) && !Object.hasOwn(contents, f)) rmSync(path.join(outdir, f));
  }
  writeFileSync(path.join(outdir, 'bundle.json'), JSON.stringify(contents, null, 1));
  return contents;
}
