// What `rnnc train` trains when no model is named: the 5-minute tiny-Shakespeare recipe
// (README, "Recipes"), so that the first command a user types gives the best model rnnc
// knows for that budget. The recipe's schedule applies unless the user sets it, and so do
// bfloat16 products where the CPU has them (1.37× the chars per second here, and a curve per
// epoch no worse than float32's: 1.4874 in five minutes against 1.5089).
import { join } from 'node:path';
import { bf16Unavailable } from '../backend/kernels.ts';
import { PACKAGE_ROOT } from './resolve-model.ts';

export const DEFAULT_RECIPE = {
  /** Bundled with rnnc; always the package's copy, never a file of the same name here. */
  model: 'models/recipes/shakespeare-5min.rnn',
  what: '2 × LSTM 256 with locked dropout',
  /** Training options of the recipe, by their option keys and their command-line spelling. */
  options: [
    { key: 'lrSchedule', flag: '--lr-schedule', value: 'decay' },
    { key: 'decayAfter', flag: '--decay-after', value: 4 },
    { key: 'lrDecay', flag: '--lr-decay', value: 0.7 },
  ],
  /** Where the kernels have bfloat16 products (backend/kernels.ts: bf16Unavailable). */
  bf16: { key: 'matmul', flag: '--matmul', value: 'bf16' },
} as const;

/**
 * The default recipe's model file, and a line that says what is trained; sets each of the
 * recipe's options in `o` that the user did not give (`given(key)`), leaving theirs.
 */
export function defaultRecipe(
  o: Record<string, unknown>,
  given: (key: string) => boolean,
  root: string = PACKAGE_ROOT,
  hasBf16: boolean = bf16Unavailable() === null,
): { file: string; message: string } {
  const applied: string[] = [];
  for (const { key, flag, value } of [...DEFAULT_RECIPE.options, ...(hasBf16 ? [DEFAULT_RECIPE.bf16] : [])]) {
    if (given(key)) continue;
    o[key] = value;
    applied.push(`${flag} ${value}`);
  }
  const file = join(root, DEFAULT_RECIPE.model);
  const how = applied.length ? ` with ${applied.join(' ')}` : '';
  return { file, message: `no model given: training the default recipe ${DEFAULT_RECIPE.model} (${DEFAULT_RECIPE.what})${how}` };
}
