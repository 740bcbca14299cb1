// The shape of a check: one invariant, stated in one sentence, enforced by one function.
import type { CheckContext } from './context.ts';

export interface Rule {
  /** Also the `code` of the diagnostics the rule reports. */
  name: string;
  invariant: string;
  run(ctx: CheckContext): void;
}
