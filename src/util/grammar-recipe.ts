// Compiling grammar/rnn.ohm takes Ohm ~200 ms, most of a CLI start; the build (scripts/build.mjs)
// saves the compiled grammar as a recipe beside this file, which loads in ~2 ms. (The browser
// build puts src/browser/twins/grammar-recipe.ts, with the recipe inlined, in its place.)
import { readFileSync } from 'node:fs';
import * as ohm from 'ohm-js';

// Ohm exports makeRecipe (what its own bundles use) but does not declare it.
const { makeRecipe } = ohm as unknown as { makeRecipe(recipe: unknown): ohm.Grammar };

interface Saved {
  grammar: string;
  recipe: unknown;
}

/** The grammar of `text`: from the build's recipe when it was made from this very text, else compiled. */
export function compileGrammar(text: string, recipe: URL = new URL('./rnn-grammar.json', import.meta.url)): ohm.Grammar {
  let saved: Saved | undefined;
  try {
    saved = JSON.parse(readFileSync(recipe, 'utf8')) as Saved;
  } catch {
    // Running from source (no build): compile.
  }
  if (saved?.grammar === text) return makeRecipe(saved.recipe);
  return ohm.grammar(text);
}

/** The grammar of .rnn files: grammar/rnn.ohm, through the recipe when the build made one. */
export function rnnGrammar(): ohm.Grammar {
  return compileGrammar(readFileSync(new URL('../../grammar/rnn.ohm', import.meta.url), 'utf8'));
}
