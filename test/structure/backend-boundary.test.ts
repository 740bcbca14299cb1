// The code generator returns data (source, loops, layout); the runtime backend runs it. Oracle:
// the import graph of src/ and a scan for code evaluation.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importGraph, tsFiles } from './import-graph.ts';

const src = path.resolve(import.meta.dirname, '../../src');
const rel = (f: string) => path.relative(src, f);

describe('the code generator and the runtime backend', () => {
  const graph = importGraph(tsFiles(src));

  it('codegen imports nothing of the backend (codegen/index.ts only re-exports it for its callers)', () => {
    const uses = [...graph].flatMap(([f, deps]) => (rel(f).startsWith('codegen/') && rel(f) !== 'codegen/index.ts' ? deps.filter((d) => rel(d).startsWith('backend/')).map((d) => `${rel(f)} → ${rel(d)}`) : []));
    expect(uses).toEqual([]);
    const index = readFileSync(path.join(src, 'codegen/index.ts'), 'utf8');
    expect(index.split('\n').filter((l) => /^\s*(import|const|let|function|export (function|const|class))\b/.test(l))).toEqual([]);
  });

  it('only backend/instantiate.ts evaluates generated source', () => {
    const evaluators = tsFiles(src).filter((f) => /new Function\(|(?<![.\w])eval\(/.test(readFileSync(f, 'utf8').replace(/^\s*\/\/.*$/gm, '')));
    expect(evaluators.map(rel)).toEqual(['backend/instantiate.ts']);
  });

  it('the runtime reaches the native kernels through the backend, not their loader', () => {
    const direct = [...graph].flatMap(([f, deps]) => (rel(f).startsWith('runtime/') ? deps.filter((d) => rel(d).startsWith('kernels/')).map((d) => `${rel(f)} → ${rel(d)}`) : []));
    expect(direct).toEqual([]);
  });
});
