// `1234567` → `1,234,567`, as toLocaleString('en-US') writes an integer, without Intl: the
// first locale-aware call loads ICU's data, 30+ ms of a CLI start that prints a few numbers.

/** A number with en-US thousands separators; integers without Intl, anything else through it. */
export function groupDigits(n: number): string {
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n));
  let out = '';
  for (let end = digits.length; end > 0; end -= 3) out = digits.slice(Math.max(0, end - 3), end) + (out ? ',' + out : '');
  return (n < 0 ? '-' : '') + out;
}
