// Option parsers shared by the commands. They throw InvalidArgumentError, which commander
// turns into a one-line usage error.

/**
 * commander's InvalidArgumentError as commander recognises it (by its code and exit code),
 * defined here so that `rnnc check`'s fast path (check-args.ts) can parse --dims without
 * loading commander; test/e2e/cli.test.ts checks the message commander prints for it.
 */
export class InvalidArgumentError extends Error {
  readonly code = 'commander.invalidArgument';
  readonly exitCode = 1;
}

/** A number option that `check` accepts (`what` is the usage error's text, e.g. "expected a number > 0"). */
export function parseNumber(what: string, check: (n: number) => boolean): (value: string) => number {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || !check(n)) throw new InvalidArgumentError(`${what}, got "${value}"`);
    return n;
  };
}

/** A number ≥ 0 (e.g. --weight-decay, --temperature). */
export const parseNonNegative = parseNumber('expected a number ≥ 0', (n) => n >= 0);
/** A number strictly between 0 and 1 (e.g. --split). */
export const parseFraction = parseNumber('expected a fraction between 0 and 1', (n) => n > 0 && n < 1);

/** `--dims vocab=65,hidden=128` (repeatable) → a map of positive integers. */
export function parseDims(value: string, previous: Map<string, number> = new Map()): Map<string, number> {
  const out = new Map(previous);
  for (const part of value.split(',').map((p) => p.trim()).filter(Boolean)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\d+)$/.exec(part);
    if (!m) throw new InvalidArgumentError(`expected name=value pairs such as vocab=65, got "${part}"`);
    const n = Number(m[2]);
    if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`dim ${m[1]} must be a positive integer, got ${m[2]}`);
    out.set(m[1], n);
  }
  return out;
}

/** A positive integer option (`--runs 100`, `--unroll 3`). */
export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

/** A non-negative integer option (`--seed 0`). */
export function parseSeed(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n > 2 ** 31 - 1) throw new InvalidArgumentError(`expected an integer between 0 and 2147483647, got "${value}"`);
  return n;
}
