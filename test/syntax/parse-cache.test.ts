// The parse cache (src/syntax/parse-cache.ts): a hit returns exactly what parsing returns
// (the oracle: parse() with the cache off), with the same rendered diagnostics; entries that
// are corrupt or not a parse of that text are parsed again and rewritten; a cache that cannot
// be written is skipped.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { analyze, renderDiagnostics } from '../../src/frontend.ts';
import type { CellDecl, InitSpec } from '../../src/syntax/ast.ts';
import { parse, type ParseResult } from '../../src/syntax/parse.ts';
import { hash64, parseCacheDir, parseCacheStats, parseFile, pruneParseCache, useParseCache } from '../../src/syntax/parse-cache.ts';

const work = mkdtempSync(join(tmpdir(), 'rnnc-parse-cache-'));
let n = 0;
const freshDir = (): string => join(work, `cache-${n++}`);

afterEach(() => useParseCache(null));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every entry file under a cache directory. */
function entries(dir: string): string[] {
  const parse = join(dir, 'parse');
  try {
    return readdirSync(parse).flatMap((sub) => readdirSync(join(parse, sub)).map((f) => join(parse, sub, f)));
  } catch {
    return [];
  }
}

const stats = () => ({ ...parseCacheStats });
const delta = (before: typeof parseCacheStats) => ({
  hits: parseCacheStats.hits - before.hits,
  misses: parseCacheStats.misses - before.misses,
  writes: parseCacheStats.writes - before.writes,
});

const MODEL = readFileSync('models/char-lstm.rnn', 'utf8');
const CELL = readFileSync('models/cells/lstm.rnn', 'utf8');
const SYNTAX_ERROR = 'model M {\n  dim v = 3\n  x = foo(\n}\n';
const CHECK_ERRORS = 'cell C(x: [n]) -> (h: [m]) {\n  param W: [m, n] init xavier\n  h\' = tanh(W @ x + q)\n}\nmodel M {\n  dim v, e = 4\n  param E: [v, e] init normal(0.1)\n  y = E[token] @ E\n  loss cross_entropy(zz, next)\n}\n';

describe('where the cache lives', () => {
  it('is RNNC_CACHE_DIR, else $XDG_CACHE_HOME/rnnc, else ~/.cache/rnnc; RNNC_CACHE_DIR=off turns it off', () => {
    expect(parseCacheDir({ RNNC_CACHE_DIR: '/x/y', XDG_CACHE_HOME: '/c' })).toBe('/x/y');
    for (const off of ['off', 'OFF', '0', 'false', 'none']) expect(parseCacheDir({ RNNC_CACHE_DIR: off, XDG_CACHE_HOME: '/c' })).toBeNull();
    expect(parseCacheDir({ RNNC_CACHE_DIR: '', XDG_CACHE_HOME: '/c' })).toBe('/c/rnnc');
    expect(parseCacheDir({ XDG_CACHE_HOME: '/c' })).toBe('/c/rnnc');
    // A relative XDG_CACHE_HOME is invalid (XDG spec): ignored.
    expect(parseCacheDir({ XDG_CACHE_HOME: 'rel' })).toMatch(/\/\.cache\/rnnc$/);
    expect(parseCacheDir({})).toMatch(/\/\.cache\/rnnc$/);
  });
});

describe('a cached parse', () => {
  it('is off by default (the library): nothing is read or written', () => {
    const before = stats();
    expect(parseFile('m.rnn', MODEL)).toEqual(parse('m.rnn', MODEL));
    expect(delta(before)).toEqual({ hits: 0, misses: 0, writes: 0 });
  });

  it('is written on a miss and served on a hit, equal to a fresh parse, for good and bad files', () => {
    const dir = freshDir();
    useParseCache(dir);
    for (const [path, text] of [['m.rnn', MODEL], ['cells/lstm.rnn', CELL], ['bad.rnn', SYNTAX_ERROR]]) {
      const oracle = parse(path, text);
      let before = stats();
      expect(parseFile(path, text)).toEqual(oracle);
      expect(delta(before)).toEqual({ hits: 0, misses: 1, writes: 1 });
      before = stats();
      const hit = parseFile(path, text);
      expect(delta(before)).toEqual({ hits: 1, misses: 0, writes: 0 });
      expect(hit).toEqual(oracle);
      expect(JSON.stringify(hit)).toBe(JSON.stringify(oracle)); // same keys in the same order too
    }
    expect(parse('bad.rnn', SYNTAX_ERROR).ast).toBeNull(); // the bad file really is a syntax error
    expect(entries(dir)).toHaveLength(3);
  });

  it('is keyed by text and path: an edit or another path is a miss, and spans name the right file', () => {
    useParseCache(freshDir());
    parseFile('a.rnn', MODEL);
    let before = stats();
    const edited = parseFile('a.rnn', MODEL.replace('embed = 64', 'embed = 65'));
    expect(delta(before).misses).toBe(1);
    expect(JSON.stringify(edited)).toContain('"value":65');
    before = stats();
    const other = parseFile('b.rnn', MODEL);
    expect(delta(before).misses).toBe(1);
    expect(other).toEqual(parse('b.rnn', MODEL));
  });

  it('gives the same rendered diagnostics (file:line:col, source line, carets) cold, warm and uncached', () => {
    const files = { 'bad.rnn': SYNTAX_ERROR, 'errs.rnn': CHECK_ERRORS };
    const dir = join(work, 'diag-files');
    mkdirSync(dir, { recursive: true });
    const rendered = () =>
      Object.entries(files).map(([name, text]) => {
        writeFileSync(join(dir, name), text);
        return renderDiagnostics(analyze(join(dir, name))).join('\n\n');
      });
    const uncached = rendered();
    expect(uncached[0]).toContain(`${join(dir, 'bad.rnn')}:4:1: error: syntax error`);
    expect(uncached[0]).toMatch(/\n {3}\| \^/);
    expect(uncached[1]).toMatch(new RegExp(`${join(dir, 'errs.rnn')}:3:\\d+: error: .*'q'`));
    expect(uncached[1].split('error:').length).toBeGreaterThan(3);
    useParseCache(freshDir());
    const before = stats();
    expect(rendered()).toEqual(uncached);
    expect(rendered()).toEqual(uncached);
    expect(delta(before)).toEqual({ hits: 2, misses: 2, writes: 2 });
  });
});

describe('the key hash', () => {
  it('is 16 hex digits, tells lists of parts apart, and changes with any one character of a model', () => {
    expect(hash64('a')).toMatch(/^[0-9a-f]{16}$/);
    expect(hash64('ab', 'c')).not.toBe(hash64('a', 'bc'));
    const seen = new Set<string>();
    for (let i = 0; i < MODEL.length; i++) seen.add(hash64(MODEL.slice(0, i) + String.fromCharCode(MODEL.charCodeAt(i) ^ 1) + MODEL.slice(i + 1)));
    seen.add(hash64(MODEL));
    expect(seen.size).toBe(MODEL.length + 1);
  });
});

describe('an entry that cannot be trusted', () => {
  /** Caches MODEL, lets `spoil` rewrite its entry's text, and parses again. */
  function afterSpoiling(spoil: (entry: string) => string) {
    const dir = freshDir();
    useParseCache(dir);
    const oracle = parse('m.rnn', MODEL);
    parseFile('m.rnn', MODEL);
    const [file] = entries(dir);
    writeFileSync(file, spoil(readFileSync(file, 'utf8')));
    const before = stats();
    const result = parseFile('m.rnn', MODEL);
    return { result, oracle, delta: delta(before), file };
  }

  it.each([
    ['truncated', (e: string) => e.slice(0, e.length >> 1)],
    ['empty', () => ''],
    ['not an object', () => 'null'],
    ['another format', (e: string) => e.replace('"rnnc-parse-2"', '"rnnc-parse-0"')],
    // Under the same key (as a hash collision would be): the stored text and path are compared.
    ['the parse of another text', (e: string) => e.replace('"text":"', '"text":"// x\\n')],
    ['the parse of another path', (e: string) => e.replace('"path":"m.rnn"', '"path":"n.rnn"')],
    ['a name that is not the text it spans', (e: string) => e.replace('"name":"CharLSTM"', '"name":"CharLSTX"')],
    ['a span past the end of the text', (e: string) => e.replace(/"end":(\d+)/, `"end":${MODEL.length + 1}`)],
    ['a span of another file', (e: string) => e.replace('"file":"m.rnn"', '"file":"x.rnn"')],
    ['an unknown node kind', (e: string) => e.replace('"kind":"binary"', '"kind":"ternary"')],
    ['a number that is a string', (e: string) => e.replace(/"value":64/, '"value":"64"')],
    ['a missing field', (e: string) => e.replace('"primed":false,', '')],
  ])('is parsed again and rewritten when %s', (_what, spoil) => {
    const { result, oracle, delta: d, file } = afterSpoiling(spoil);
    expect(d).toEqual({ hits: 0, misses: 1, writes: 1 });
    expect(result).toEqual(oracle);
    const before = stats();
    expect(parseFile('m.rnn', MODEL)).toEqual(oracle);
    expect(delta(before).hits).toBe(1);
    expect(JSON.parse(readFileSync(file, 'utf8')).result).toEqual(oracle);
  });

  it('is not written when JSON cannot carry the parse exactly (-0)', () => {
    const text = 'cell C(x: [n]) -> (h: [n]) {\n  param W: [n, n] init normal(-0)\n  h\' = W @ x\n}\n';
    const oracle = parse('z.rnn', text);
    expect(JSON.stringify(oracle)).toContain('"args":[0]'); // what JSON would make of -0
    const dir = freshDir();
    useParseCache(dir);
    const initArg = (r: ParseResult): number => ((r.ast!.items[0] as CellDecl).body[0] as { init: InitSpec }).init.args[0];
    expect(Object.is(initArg(oracle), -0)).toBe(true);
    const before = stats();
    expect(Object.is(initArg(parseFile('z.rnn', text)), -0)).toBe(true);
    expect(Object.is(initArg(parseFile('z.rnn', text)), -0)).toBe(true);
    expect(delta(before)).toEqual({ hits: 0, misses: 2, writes: 0 });
    expect(entries(dir)).toEqual([]);
  });
});

describe('a cache that cannot be used', () => {
  it('is skipped without a word when its directory cannot be created (a file is in the way)', () => {
    const blocker = join(work, 'not-a-dir');
    writeFileSync(blocker, 'x');
    useParseCache(blocker);
    const before = stats();
    expect(parseFile('m.rnn', MODEL)).toEqual(parse('m.rnn', MODEL));
    expect(parseFile('m.rnn', MODEL)).toEqual(parse('m.rnn', MODEL));
    expect(delta(before)).toEqual({ hits: 0, misses: 2, writes: 0 });
    expect(readFileSync(blocker, 'utf8')).toBe('x');
  });

  it('is skipped when the entry cannot be read or replaced (a directory in its place)', () => {
    const dir = freshDir();
    useParseCache(dir);
    parseFile('m.rnn', MODEL);
    const [file] = entries(dir);
    rmSync(file);
    mkdirSync(join(file, 'inside'), { recursive: true });
    const before = stats();
    expect(parseFile('m.rnn', MODEL)).toEqual(parse('m.rnn', MODEL));
    expect(delta(before)).toEqual({ hits: 0, misses: 1, writes: 0 });
    // No temporary file is left behind.
    expect(readdirSync(join(file, '..')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('old entries', () => {
  it('are renewed by a hit and removed by pruning once unused for longer than asked', () => {
    const dir = freshDir();
    useParseCache(dir);
    parseFile('m.rnn', MODEL);
    parseFile('c.rnn', CELL);
    const longAgo = (Date.now() - 90 * 24 * 3600 * 1000) / 1000;
    for (const f of entries(dir)) utimesSync(f, longAgo, longAgo);
    const pathOf = (f: string): string => JSON.parse(readFileSync(f, 'utf8')).result.ast.path;
    // A hit on m.rnn's entry marks it used; c.rnn's stays unused.
    parseFile('m.rnn', MODEL);
    const used = entries(dir).find((f) => pathOf(f) === 'm.rnn')!;
    expect(statSync(used).mtimeMs).toBeGreaterThan(Date.now() - 60_000);
    pruneParseCache(join(dir, 'parse'), Date.now() - 30 * 24 * 3600 * 1000);
    expect(entries(dir)).toEqual([used]);
    // Pruning a cache that is not there is no error.
    expect(() => pruneParseCache(join(work, 'nowhere'), Date.now())).not.toThrow();
  });
});
