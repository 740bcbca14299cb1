// Writing a model in the ARPA format, as KenLM and SRILM read it:
//
//   # comment lines (KenLM accepts text before \data\ only on lines starting with '#')
//   \data\
//   ngram 1=<count>
//   …
//
//   \1-grams:
//   <log10 p>\t<w1>\t<log10 backoff>        (the backoff omitted when it is 0 or at the top order)
//   …
//   \2-grams:
//   <log10 p>\t<w1> <w2>\t<log10 backoff>
//   …
//   \end\
//
// The first comment line records how rnnc built the model (level, smoothing, discounts), so
// rnnc reads the text back the same way; other tools skip it. Numbers are written in fixed
// point with `decimals` decimals (default 7: a probability within 1.2e-7 of its value, relative),
// or exactly (`decimals: 'exact'`, the shortest text that reads back as the same float64).
import { closeSync, openSync, renameSync, unlinkSync } from 'node:fs';
import { ByteWriter, encodeUtf8 } from './bytes.ts';
import type { NgramModel } from './model.ts';

export const RNNC_HEADER = '# rnnc-ngram';

export interface ArpaWriteOptions {
  /** Decimals of the log10 numbers (0..9), or 'exact'; default 7. */
  decimals?: number | 'exact';
}

/** The header line rnnc reads back: `# rnnc-ngram level=word order=3 smoothing=mkn normalised=true …`. */
export function headerLine(m: NgramModel): string {
  const facts: Record<string, string> = { level: m.vocab.level, order: String(m.order), smoothing: m.info.smoothing ?? 'unknown', normalised: String(m.info.normalised), ...m.info.notes };
  return `${RNNC_HEADER} ${Object.entries(facts).map(([k, v]) => `${k}=${v}`).join(' ')}`;
}

/** Writes the ARPA text of `m` into `out`. */
function writeTo(out: ByteWriter, m: NgramModel, o: ArpaWriteOptions): void {
  const decimals = o.decimals ?? 7;
  if (decimals !== 'exact' && !(Number.isInteger(decimals) && decimals >= 0 && decimals <= 9)) throw new RangeError(`decimals must be an integer from 0 to 9 or 'exact' (got ${decimals})`);
  const scale = decimals === 'exact' ? 0 : 10 ** decimals;
  const num = (x: number) => (decimals === 'exact' ? out.string(String(x === 0 ? 0 : x)) : out.fixed(x, decimals, scale));
  const N = m.order;
  const head = [headerLine(m), "# sentences: every line of text is <s> w1 … wk </s>; rnnc's <eos> (char level: the newline) is </s>", '', '\\data\\'];
  for (let n = 1; n <= N; n++) head.push(`ngram ${n}=${m.count(n)}`);
  out.string(head.join('\n') + '\n');
  const names = m.vocab.names.map(encodeUtf8);
  const TAB = 9;
  const SPACE = 32;
  const NL = 10;
  for (let n = 1; n <= N; n++) {
    out.string(`\n\\${n}-grams:\n`);
    const size = m.size(n);
    const prob = m.prob[n];
    const bo = m.backoff[n];
    for (let i = 0; i < size; i++) {
      const p = prob[i];
      if (p !== p) continue; // a blank: kept only as the suffix of longer n-grams
      num(Math.min(p, 0));
      out.byte(TAB);
      // Words oldest first: the first word of each order, down the suffix chain.
      let j = i;
      for (let k = n; k > 1; k--) {
        out.bytes(names[m.tables[k].first[j]]);
        out.byte(SPACE);
        j = m.tables[k].suffix[j];
      }
      out.bytes(names[j]);
      if (n < N && bo[i] !== 0) {
        out.byte(TAB);
        num(bo[i]);
      }
      out.byte(NL);
    }
  }
  out.string('\n\\end\\\n');
  out.flush();
}

/** The whole ARPA text (small models, tests). */
export function arpaText(m: NgramModel, o: ArpaWriteOptions = {}): string {
  const w = new ByteWriter(null);
  writeTo(w, m, o);
  return w.text();
}

/** Writes the ARPA file atomically (a temporary file renamed into place). */
export function writeArpa(path: string, m: NgramModel, o: ArpaWriteOptions = {}): void {
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeTo(new ByteWriter(fd), m, o);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    try {
      unlinkSync(tmp);
    } catch {
      // nothing to remove
    }
    throw e;
  }
}
