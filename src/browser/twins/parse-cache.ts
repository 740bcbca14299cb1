// src/syntax/parse-cache.ts in the browser build: the cache lives on disk, and a page has none,
// so every file is parsed (as the library does with the cache off, its default).
import { parse, type ParseResult } from '../../syntax/parse.ts';

export function parseFile(path: string, text: string): ParseResult {
  return parse(path, text);
}
