// Compiling grammar/rnn.ohm takes Ohm ~200 ms, most of a CLI start; the build (scripts/build.mjs)
// saves the compiled grammar as a recipe beside this file, which loads in ~2 ms. (The browser
// build puts src/browser/twins/grammar-recipe.ts, with both inlined, in its place.)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as OhmModule from 'ohm-js';

type Ohm = typeof OhmModule;

let ohmLib: Ohm | undefined;

/**
 * Ohm itself, loaded on first use: a parse served from the cache (src/syntax/parse-cache.ts)
 * never loads it. Its CommonJS build is one file, and require() keeps parsing synchronous.
 */
export function ohm(): Ohm {
  ohmLib ??= createRequire(import.meta.url)('ohm-js') as Ohm;
  return ohmLib;
}

let grammarText: string | undefined;

/** grammar/rnn.ohm as it reads now (read once per process). */
export function grammarSource(): string {
  grammarText ??= readFileSync(new URL('../../grammar/rnn.ohm', import.meta.url), 'utf8');
  return grammarText;
}

interface Saved {
  grammar: string;
  recipe: unknown;
}

/** The grammar of `text`: from the build's recipe when it was made from this very text, else compiled. */
export function compileGrammar(text: string, recipe: URL = new URL('./rnn-grammar.json', import.meta.url)): OhmModule.Grammar {
  let saved: Saved | undefined;
  try {
    saved = JSON.parse(readFileSync(recipe, 'utf8')) as Saved;
  } catch {
    // Running from source (no build): compile.
  }
  // Ohm exports makeRecipe (what its own bundles use) but does not declare it.
  const lib = ohm() as Ohm & { makeRecipe(recipe: unknown): OhmModule.Grammar };
  if (saved?.grammar === text) return lib.makeRecipe(saved.recipe);
  return lib.grammar(text);
}
