// src/util/grammar-recipe.ts in the browser build: Ohm imported with the bundle, and the grammar
// (grammar/rnn.ohm) and its compiled recipe inlined by scripts/build-browser.mjs — never read
// from disk.
import * as ohmLib from 'ohm-js';

type Ohm = typeof ohmLib;

declare const RNNC_GRAMMAR: { grammar: string; recipe: unknown };

export function ohm(): Ohm {
  return ohmLib;
}

export function grammarSource(): string {
  return RNNC_GRAMMAR.grammar;
}

/** The grammar of `text`: from the inlined recipe when it was made from this very text, else compiled. */
export function compileGrammar(text: string): ohmLib.Grammar {
  // Ohm exports makeRecipe (what its own bundles use) but does not declare it.
  const lib = ohmLib as Ohm & { makeRecipe(recipe: unknown): ohmLib.Grammar };
  return text === RNNC_GRAMMAR.grammar ? lib.makeRecipe(RNNC_GRAMMAR.recipe) : lib.grammar(text);
}
