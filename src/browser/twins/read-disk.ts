// src/syntax/read-disk.ts in the browser build: a page has no disk, so every path names a
// missing file (ENOENT, as node:fs says it), and load.ts reports it at the `use` that names
// it. In the browser, .rnn files are given as text (compileText's sources).
export const readFromDisk = (path: string): string => {
  throw Object.assign(new Error(`no such file: ${path} (in a browser, .rnn files are given as text)`), { code: 'ENOENT' });
};
