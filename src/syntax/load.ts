// Loads a file and, transitively, every file it `use`s. Missing files and import cycles
// are diagnostics at the `use` that names them. Only regular files within the size limit
// are read, and `use` reads only `.rnn` files: a service that compiles uploaded models
// cannot be made to hang on a FIFO, fill memory from /dev/zero, or print another file.
import { dirname, extname, isAbsolute, join, normalize } from 'node:path';
import type { FileAST } from './ast.ts';
import { MAX_SOURCE_BYTES, refusal, sizeText, tooBig } from './limits.ts';
import { parseFile } from './parse-cache.ts';
import { error, warning, type Diagnostic } from '../util/diagnostic.ts';
import { bundledModelsDir } from '../util/package-root.ts';
import { makeSource, type SourceFile } from '../util/source.ts';
import { readFromDisk } from './read-disk.ts';

export type ReadFile = (path: string) => string;
export { readFromDisk };

export interface LoadedProgram {
  /** The file that was asked for. */
  root: string;
  /** Every file reached, in dependency order (imports before importers); the root is last. */
  files: FileAST[];
  sources: Map<string, SourceFile>;
  diagnostics: Diagnostic[];
}

function describeReadError(e: unknown): string {
  const code = (e as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'it is a directory';
  if (code === 'EACCES') return 'permission denied';
  return e instanceof Error ? e.message : String(e);
}

const utf8Bytes = (text: string): number => new TextEncoder().encode(text).length;

/** Reads through `readFile`, holding text from any reader to the same size limit. */
function readBounded(readFile: ReadFile, path: string): string {
  const text = readFile(path);
  if (typeof text === 'string' && text.length > MAX_SOURCE_BYTES / 3 && utf8Bytes(text) > MAX_SOURCE_BYTES) {
    throw refusal('EFBIG', tooBig(sizeText(utf8Bytes(text))));
  }
  return text;
}

function isMissing(e: unknown): boolean {
  return (e as { code?: string }).code === 'ENOENT';
}

export function load(root: string, readFile: ReadFile = readFromDisk): LoadedProgram {
  const rootPath = normalize(root);
  const prog: LoadedProgram = { root: rootPath, files: [], sources: new Map(), diagnostics: [] };
  const done = new Set<string>();
  const stack: string[] = [];

  const visit = (path: string, raw: string): void => {
    // A UTF-8 byte-order mark is not part of the text: dropped, columns count from after it.
    const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    stack.push(path);
    prog.sources.set(path, makeSource(path, text));
    const { ast, diagnostics } = parseFile(path, text);
    prog.diagnostics.push(...diagnostics);
    if (ast) {
      for (const item of ast.items) {
        if (item.kind !== 'use') continue;
        if (extname(item.path) !== '.rnn') {
          prog.diagnostics.push(error('missing-file', item.span, `cannot use "${item.path}": only .rnn files can be used`));
          continue;
        }
        let target = normalize(isAbsolute(item.path) ? item.path : join(dirname(path), item.path));
        let sub: string | null = null;
        let failure: unknown = null;
        if (stack.includes(target)) {
          const cycle = [...stack.slice(stack.indexOf(target)), target].join(' -> ');
          prog.diagnostics.push(error('import-cycle', item.span, `import cycle: ${cycle}`, 'move the shared cells into a file that both can use'));
          continue;
        }
        if (done.has(target)) continue;
        try {
          sub = readBounded(readFile, target);
        } catch (e) {
          failure = e;
        }
        // A relative path that is not beside the importing file may name a bundled cell.
        const bundled = bundledModelsDir();
        if (sub === null && isMissing(failure) && !isAbsolute(item.path) && bundled) {
          const fallback = normalize(join(bundled, item.path));
          try {
            if (fallback !== target && !stack.includes(fallback)) {
              const text = done.has(fallback) ? null : readBounded(readFile, fallback);
              prog.diagnostics.push(
                warning('use-fallback', item.span, `"${item.path}" is not beside ${path}; using rnnc's bundled ${fallback}`, `copy it next to ${path} to use your own version`),
              );
              target = fallback;
              if (text === null) continue;
              sub = text;
            }
          } catch {
            // not bundled either: report the path as the user wrote it
          }
        }
        if (sub === null) {
          prog.diagnostics.push(error('missing-file', item.span, `cannot read "${item.path}" (${target}): ${describeReadError(failure)}`));
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
    text = readBounded(readFile, rootPath);
  } catch (e) {
    prog.diagnostics.push(error('missing-file', null, `cannot read ${rootPath}: ${describeReadError(e)}`));
    return prog;
  }
  visit(rootPath, text);
  return prog;
}
