// Runs the real CLI (src/cli/main.ts) with `rnnc score` registered, until main.ts registers
// it itself (then this adds nothing): `node --import tsx test/e2e/score-cli.ts score …`.
import { Command } from 'commander';
import { registerScore } from '../../src/cli/score.ts';

const parseAsync = Command.prototype.parseAsync;
Command.prototype.parseAsync = function (this: Command, ...args: Parameters<Command['parseAsync']>) {
  if (!this.parent && !this.commands.some((c) => c.name() === 'score')) registerScore(this);
  return parseAsync.apply(this, args);
};
await import('../../src/cli/main.ts');
