// Loads a file and, transitively, every file it `use`s. Missing files and import cycles
// are diagnostics at the `use` that names them.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import type { FileAST } from './ast.ts';
import { parse } from './parse.ts';
import { error, type Diagnostic } from '../util/diagnostic.ts';
import { makeSource, type SourceFile } from '../util/source.ts';

export type ReadFile = (path: string) => string;

export interface LoadedProgram {
  /** The file that was asked for. */
  root: string;
  /** Every file reached, in dependency order (imports before importers); the root is last. */
  files: FileAST[];
  sources: Map<string, SourceFile>;
  diagnostics: Diagnostic[];
}

export const readFromDisk: ReadFile = (path) => readFileSync(path, 'utf8');

function describeReadError(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EACCES') return 'permission denied';
  return e instanceof Error ? e.message : String(e);
}

export function load(root: string, readFile: ReadFile = readFromDisk): LoadedProgram {
  const rootPath = normalize(root);
  const prog: LoadedProgram = { root: rootPath, files: [], sources: new Map(), diagnostics: [] };
  const done = new Set<string>();
  const stack: string[] = [];

  const visit = (path: string, text: string): void => {
    stack.push(path);
    prog.sources.set(path, makeSource(path, text));
    const { ast, diagnostics } = parse(path, text);
    prog.diagnostics.push(...diagnostics);
    if (ast) {
      for (const item of ast.items) {
        if (item.kind !== 'use') continue;
        const target = normalize(isAbsolute(item.path) ? item.path : join(dirname(path), item.path));
        if (stack.includes(target)) {
          const cycle = [...stack.slice(stack.indexOf(target)), target].join(' -> ');
          prog.diagnostics.push(error('import-cycle', item.span, `import cycle: ${cycle}`, 'move the shared cells into a file that both can use'));
          continue;
        }
        if (done.has(target)) continue;
        let sub: string;
        try {
          sub = readFile(target);
        } catch (e) {
          prog.diagnostics.push(error('missing-file', item.span, `cannot read "${item.path}" (${target}): ${describeReadError(e)}`));
          continue;
        }
        visit(target, sub);
      }
      prog.files.push(ast);
    }
    done.add(path);
    stack.pop();
  };

  let text: string;
  try {
    text = readFile(rootPath);
  } catch (e) {
    prog.diagnostics.push(error('missing-file', null, `cannot read ${rootPath}: ${describeReadError(e)}`));
    return prog;
  }
  visit(rootPath, text);
  return prog;
}
