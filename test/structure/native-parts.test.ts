// The native kernels are one translation unit (kernels.c) made of parts, one concern each.
// Oracles: the directory listing, package.json's `files`, and the loader's verdict on a copy of
// the sources with one part edited (a stale build must never run).
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadNativeFrom, partsOf } from '../../src/kernels/native/load.ts';

const root = path.resolve(import.meta.dirname, '../..');
const dir = path.join(root, 'src/kernels/native');
const sources = readdirSync(dir).filter((f) => /\.[ch]$/.test(f)).sort();

describe('the native kernels source', () => {
  it('kernels.c includes every other C file of its folder, and each file stays small', () => {
    expect(partsOf(readFileSync(path.join(dir, 'kernels.c'), 'utf8')).sort()).toEqual(sources.filter((f) => f !== 'kernels.c'));
    for (const f of sources) expect(readFileSync(path.join(dir, f), 'utf8').split('\n').length, f).toBeLessThan(400);
  });

  it('ships every part with the package (npm builds them at install)', () => {
    const files: string[] = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).files;
    const shipped = (f: string) => files.some((pattern) => new RegExp(`^${pattern.replace(/\./g, '\\.').replace(/\*/g, '[^/]*')}$`).test(f));
    for (const f of sources) expect(shipped(`src/kernels/native/${f}`), f).toBe(true);
  });

  it('a build is refused once any part changes', (ctx) => {
    const build = path.join(root, 'build');
    const stamp = path.join(build, 'rnnc-kernels.json');
    if (!existsSync(path.join(build, 'rnnc-kernels.node')) || !JSON.parse(readFileSync(stamp, 'utf8')).parts) {
      console.log('skipped: the native kernels are not built (apt-get install build-essential nodejs-dev; npm run build:native)');
      ctx.skip();
    }
    const tmp = mkdtempSync(path.join(tmpdir(), 'rnnc-parts-'));
    const src = path.join(tmp, 'src/');
    const out = path.join(tmp, 'build/');
    for (const d of [src, out]) mkdirSync(d, { recursive: true });
    for (const f of sources) copyFileSync(path.join(dir, f), path.join(src, f));
    copyFileSync(path.join(build, 'rnnc-kernels.node'), path.join(out, 'rnnc-kernels.node'));
    copyFileSync(stamp, path.join(out, 'rnnc-kernels.json'));
    const load = () => loadNativeFrom(pathToFileURL(out), pathToFileURL(path.join(src, 'kernels.c')));
    const fresh = load();
    expect(fresh.module ? 'loaded' : fresh.reason).toBe('loaded');
    appendFileSync(path.join(src, 'gemm.c'), '\n// edited\n');
    const stale = load();
    expect(stale.module ? 'loaded' : stale.reason).toMatch(/older gemm\.c/);
  });
});

