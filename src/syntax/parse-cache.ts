// Parses kept on disk, keyed by a hash of the file's path and text and of the parser
// (parse.ts's parserFingerprint): checking a file that has not changed never loads Ohm, whose
// import and matching are most of an `rnnc check`. An entry also holds the path and text it is
// the parse of, compared exactly on a hit, so the hash need not be cryptographic: node:crypto
// would cost an `rnnc check` more to load than the check itself. The CLI turns the cache on (main.ts); the
// library parses afresh. A cache that cannot be read or written is skipped without a word; an
// entry that is not a well-formed parse of that very text (ast-shape.ts) is parsed again and
// rewritten.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { isParseResult } from './ast-shape.ts';
import { parse, parserFingerprint, type ParseResult } from './parse.ts';

const FORMAT = 'rnnc-parse-2';

/** Values of RNNC_CACHE_DIR that turn the cache off. */
const OFF = new Set(['off', '0', 'false', 'no', 'none']);

/** Where the cache lives, from the environment given (the CLI passes its own): $RNNC_CACHE_DIR, else $XDG_CACHE_HOME/rnnc, else ~/.cache/rnnc; null for RNNC_CACHE_DIR=off. */
export function parseCacheDir(env: Readonly<Record<string, string | undefined>>): string | null {
  const own = env.RNNC_CACHE_DIR;
  if (own) return OFF.has(own.toLowerCase()) ? null : own;
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and to be ignored.
  if (env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME)) return join(env.XDG_CACHE_HOME, 'rnnc');
  let home = '';
  try {
    home = homedir();
  } catch {
    // no home directory (a service account): no cache
  }
  return home ? join(home, '.cache', 'rnnc') : null;
}

let cacheDir: string | null = null;
let parser: string | undefined;

/** What the cache did in this process, for tests and curious users. */
export const parseCacheStats = { hits: 0, misses: 0, writes: 0 };

/** Turns the cache on in `dir` (null: off, the library's default). */
export function useParseCache(dir: string | null): void {
  cacheDir = dir;
}

/**
 * A 64-bit hash (hex) of the parts: two multiply-xor lanes over the UTF-16 units, mixed at the
 * end. Enough to tell parsers apart and to spread entries; a hit compares path and text exactly.
 */
export function hash64(...parts: string[]): string {
  // Lengths first: no two lists of parts hash alike.
  const s = `${parts.map((p) => p.length).join(',')}\0${parts.join('')}`;
  let a = 0x811c9dc5;
  let b = 0x9e3779b9;
  for (let i = 0; i < s.length; i++) {
    const k = s.charCodeAt(i);
    a = Math.imul(a ^ k, 0x01000193);
    b = Math.imul((b ^ k) + (a >>> 15), 0x5bd1e995);
  }
  // Each word depends on both lanes, so a difference anywhere spreads to all 64 bits.
  const words = [fmix(a ^ fmix(b)), fmix(b ^ fmix(a ^ 0x27d4eb2f))];
  return words.map((w) => (w >>> 0).toString(16).padStart(8, '0')).join('');
}

/** MurmurHash3's 32-bit finaliser: every input bit flips each output bit with probability ~1/2. */
function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** parse(), served from the cache when it is on and holds this file's parse. */
export function parseFile(path: string, text: string): ParseResult {
  if (cacheDir === null) return parse(path, text);
  let key: string;
  try {
    parser ??= hash64(parserFingerprint());
    key = hash64(FORMAT, parser, path, text);
  } catch {
    // The grammar cannot be read: parse() reports it as it always has.
    return parse(path, text);
  }
  const file = join(cacheDir, 'parse', `${key.slice(0, 2)}`, `${key}.json`);
  const hit = readEntry(file, key, path, text);
  if (hit) {
    parseCacheStats.hits++;
    touch(file);
    return hit;
  }
  parseCacheStats.misses++;
  const result = parse(path, text);
  // Refusals for depth depend on the stack left at the call: never kept.
  if (result.ast !== null || result.diagnostics.every((d) => d.code === 'syntax')) writeEntry(file, key, path, text, result);
  // Now and then (on a miss, which parses anyway), entries unused for a month are removed.
  if (Math.random() < PRUNE_CHANCE) pruneParseCache(join(cacheDir, 'parse'), Date.now() - MAX_AGE_MS);
  return result;
}

const PRUNE_CHANCE = 1 / 50;
const MAX_AGE_MS = 30 * 24 * 3600 * 1000;

/** Removes the entries under `dir` not used since `before` (ms since the epoch; a hit renews an entry's mtime). */
export function pruneParseCache(dir: string, before: number): void {
  try {
    for (const sub of readdirSync(dir)) {
      for (const f of readdirSync(join(dir, sub))) {
        const entry = join(dir, sub, f);
        if (statSync(entry).mtimeMs < before) rmSync(entry, { force: true });
      }
    }
  } catch {
    // a cache that cannot be listed or cleaned is left as it is
  }
}

/** Marks an entry as used (noatime mounts do not): pruning keeps it. At most once a day. */
function touch(file: string): void {
  try {
    const now = Date.now();
    if (now - statSync(file).mtimeMs > 24 * 3600 * 1000) utimesSync(file, now / 1000, now / 1000);
  } catch {
    // a read-only cache still serves hits
  }
}

function readEntry(file: string, key: string, path: string, text: string): ParseResult | null {
  try {
    const entry = JSON.parse(readFileSync(file, 'utf8')) as { format?: unknown; key?: unknown; path?: unknown; text?: unknown; result?: unknown } | null;
    // The very path and text (not only their hash), so a collision can never serve another file's parse.
    if (entry?.format === FORMAT && entry.key === key && entry.path === path && entry.text === text && isParseResult(entry.result, path, text)) return entry.result;
  } catch {
    // missing, unreadable or not JSON: a miss
  }
  return null;
}

function writeEntry(file: string, key: string, path: string, text: string, result: ParseResult): void {
  const json = JSON.stringify({ format: FORMAT, key, path, text, result });
  // What JSON cannot carry exactly (-0, an infinite literal) is not kept: a hit must equal a parse.
  if (!sameValue((JSON.parse(json) as { result: unknown }).result, result)) return;
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    // Written aside and renamed: a reader never sees half an entry.
    writeFileSync(tmp, json);
    renameSync(tmp, file);
    parseCacheStats.writes++;
  } catch {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // nothing could be written there either
    }
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
