// The code generator's passes after the plan: schedule (what runs, in order, as data), then
// print (that schedule as JavaScript).
import type { Plan } from './plan.ts';
import type { EmitOptions } from './print-context.ts';
import { printModule } from './print.ts';
import { schedule } from './schedule.ts';

export { CodegenError } from './schedule.ts';
export type { EmitOptions } from './print-context.ts';

export function emitModule(plan: Plan, options: EmitOptions = {}): string {
  return printModule(plan, schedule(plan), options);
}
