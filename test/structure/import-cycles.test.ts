// No import cycles in src/: each module can be read, tested and loaded after what it imports.
// Oracle: a depth-first search over the import graph TypeScript's pre-parser reads from the files.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findCycles, importGraph, importsOf, tsFiles } from './import-graph.ts';

const src = path.resolve(import.meta.dirname, '../../src');

describe('the import graph of src/', () => {
  it('has no cycle', () => {
    const cycles = findCycles(importGraph(tsFiles(src))).map((c) => c.map((f) => path.relative(src, f)).join(' → '));
    expect(cycles).toEqual([]);
  });

  it('the checker finds a cycle when there is one (static, type-only, re-export and dynamic imports)', () => {
    expect(importsOf("import { a } from './a.ts';\nimport type { B } from '../b.ts';\nexport * from './c.ts';\nconst d = await import('./d.ts');\nimport x from 'node:fs';"))
      .toEqual(['./a.ts', '../b.ts', './c.ts', './d.ts']);
    const g = new Map([['a', ['b']], ['b', ['c']], ['c', ['a', 'd']], ['d', []]]);
    expect(findCycles(g)).toEqual([['a', 'b', 'c', 'a']]);
    expect(findCycles(new Map([['a', ['b']], ['b', []], ['c', ['a', 'b']]]))).toEqual([]);
    expect(findCycles(new Map([['a', ['a']]]))).toEqual([['a', 'a']]);
  });
});

describe('elaboration', () => {
  // The checker hands over an annotated model (types, layer bindings) as data: elaboration
  // imports no part of the checker that infers or binds (index, infer, layers, rules).
  it('reads the checker\'s annotations and does not call back into the checker', () => {
    const file = path.join(src, 'ir/elaborate.ts');
    const graph = importGraph(tsFiles(src));
    const checker = (graph.get(file) ?? []).map((f) => path.relative(src, f)).filter((f) => f.startsWith('check/'));
    expect(checker.sort()).toEqual(['check/annotate.ts', 'check/builtins.ts', 'check/context.ts', 'check/dim-terms.ts', 'check/poly.ts']);
    for (const f of checker) expect(graph.get(path.join(src, f))?.map((d) => path.relative(src, d)) ?? []).not.toContain('check/infer.ts');
  });
});
