// src/util/grammar-recipe.ts in the browser build: the grammar from the recipe that
// scripts/build-browser.mjs compiles from grammar/rnn.ohm and inlines, never read from disk.
import * as ohm from 'ohm-js';

// Ohm exports makeRecipe (what its own bundles use) but does not declare it.
const { makeRecipe } = ohm as unknown as { makeRecipe(recipe: unknown): ohm.Grammar };

declare const RNNC_GRAMMAR_RECIPE: unknown;

export function rnnGrammar(): ohm.Grammar {
  return makeRecipe(RNNC_GRAMMAR_RECIPE);
}
