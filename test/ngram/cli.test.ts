// rnnc ngram as the CLI runs it, in process (main.ts's error handling reproduced: a user error
// is one "error: …" line and exit 1, a usage error exit 2): train → ARPA → eval/score/sample.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isUserError } from '../../src/cli/common.ts';
import { registerNgram } from '../../src/cli/ngram.ts';
import { readArpa } from '../../src/ngram/arpa-read.ts';
import { evaluateNgram, scoreTokens } from '../../src/ngram/score.ts';
import { buildVocab } from '../../src/runtime/data/tokenize.ts';

const dir = mkdtempSync(join(tmpdir(), 'rnnc-ngram-cli-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const TRAIN = file('train.txt', 'the cat sat on the mat\nthe dog sat on the log\na cat saw a dog\nthe end\n'.repeat(3));
const VALID = file('valid.txt', 'the cat sat on the log\na dog saw the cat\n');

async function rnnc(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (out += a.join(' ') + '\n'));
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const program = new Command('rnnc').exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (err += s), outputError: (s, w) => w(s) });
  registerNgram(program);
  try {
    await program.parseAsync(['ngram', ...args], { from: 'user' });
    return { code: 0, out, err };
  } catch (e) {
    if (e instanceof CommanderError) return { code: 2, out, err };
    if (isUserError(e)) return { code: 1, out, err: err + `error: ${e.message}\n` };
    throw e;
  } finally {
    log.mockRestore();
    write.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('rnnc ngram', () => {
  it('train writes an ARPA file and reports the validation perplexity that eval reports', async () => {
    const out = join(dir, 'kn3.arpa');
    const t = await rnnc('train', '--data', TRAIN, '--order', '3', '-o', out, '--valid', VALID);
    expect(t.err).toBe('');
    expect(t.code).toBe(0);
    expect(t.out).toMatch(/^3-gram, interpolated modified Kneser–Ney, word level: 12 words \(\+ <s>\)\n/);
    const m = readArpa(out);
    const valid = evaluateNgram(m, m.vocab.encode('the cat sat on the log\na dog saw the cat\n'));
    expect(t.out).toContain(`perplexity ${valid.perplexity.toFixed(2)}`);
    const e = await rnnc('eval', out, '--data', VALID);
    expect(e.code).toBe(0);
    expect(e.out).toContain(`${valid.tokens} predictions (tokens 1…N−1, as rnnc eval)`);
    expect(e.out).toContain(`perplexity  ${valid.perplexity.toFixed(3)}`);
    const s = JSON.parse((await rnnc('eval', out, '--data', VALID, '--protocol', 'sentences', '--json')).out);
    expect(s.tokens).toBe(valid.tokens + 1);
    expect(s.perplexity).toBeCloseTo(evaluateNgram(m, m.vocab.encode('the cat sat on the log\na dog saw the cat\n'), 'sentences').perplexity, 12);
  });

  it("tokenises as rnnc train does: the same vocabulary and ids, <unk> under --max-vocab, char level too", async () => {
    const text = 'the cat sat on the mat\nthe dog sat on the log\n';
    const data = file('v.txt', text);
    const word = join(dir, 'w.arpa');
    expect((await rnnc('train', '--data', data, '--max-vocab', '5', '-o', word)).code).toBe(0);
    const v = buildVocab('word', text, { maxVocab: 5 });
    const m = readArpa(word);
    expect(m.vocab.names).toEqual([...v.tokens.map((t) => (t === '<eos>' ? '</s>' : t)), '<s>']);
    expect(Array.from(m.vocab.encode(text))).toEqual(Array.from(v.encode(text)));
    const char = join(dir, 'c.arpa');
    expect((await rnnc('train', '--data', data, '--level', 'char', '--order', '4', '-o', char)).code).toBe(0);
    const cv = buildVocab('char', text);
    const cm = readArpa(char);
    expect(cm.vocab.level).toBe('char');
    expect(Array.from(cm.vocab.encode(text))).toEqual(Array.from(cv.encode(text)));
  });

  it('score prints ln p per token, as scoreTokens computes it', async () => {
    const model = join(dir, 'wb.arpa');
    await rnnc('train', '--data', TRAIN, '--smoothing', 'witten-bell', '-o', model, '--decimals', 'exact');
    const r = await rnnc('score', model, '--data', VALID);
    const m = readArpa(model);
    const lp = scoreTokens(m, m.vocab.encode('the cat sat on the log\na dog saw the cat\n'));
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(lp.length - 1); // rnnc's protocol: the first token is not predicted
    expect(lines[0]).toBe(`cat\t${lp[1].toFixed(6)}`);
    expect(lines[5]).toBe(`</s>\t${lp[6].toFixed(6)}`);
  });

  it('stupid backoff: no perplexity unless asked, and then marked', async () => {
    const model = join(dir, 'sb.arpa');
    const t = await rnnc('train', '--data', TRAIN, '--smoothing', 'stupid-backoff', '-o', model, '--valid', VALID);
    expect(t.out).toContain('pseudo-perplexity (stupid backoff is not normalised: not a perplexity)');
    const e = await rnnc('eval', model, '--data', VALID);
    expect(e.code).toBe(1);
    expect(e.err).toMatch(/^error: .*sb\.arpa was estimated with stupid-backoff whose scores are not probabilities, so it has no perplexity; pass --unnormalised to print the pseudo-perplexity anyway\n$/);
    const f = await rnnc('eval', model, '--data', VALID, '--unnormalised');
    expect(f.out).toMatch(/pseudo-perplexity \(not normalised\) \d/);
  });

  it('sample: the same seed gives the same text; --until-eos stops at the line end', async () => {
    const model = join(dir, 's.arpa');
    await rnnc('train', '--data', TRAIN, '-o', model);
    const a = await rnnc('sample', model, '--seed', '7', '--length', '30');
    const b = await rnnc('sample', model, '--seed', '7', '--length', '30');
    expect(a.out).toBe(b.out);
    expect(a.out.split(/\s+/).filter(Boolean).length).toBeGreaterThan(10);
    const u = await rnnc('sample', model, '--prompt', 'the cat', '--until-eos', '--length', '50');
    expect(u.out.startsWith('the cat ')).toBe(true);
    expect(u.out.trimEnd().split('\n')).toHaveLength(1);
    const g = await rnnc('sample', model, '--greedy', '--prompt', 'a', '--length', '1');
    expect(g.out).toMatch(/^a (cat|dog)\n$/); // after "a": cat and dog each seen three times
  });

  it('user errors are one line', async () => {
    const missing = await rnnc('train', '--data', join(dir, 'nope.txt'), '-o', join(dir, 'x.arpa'));
    expect([missing.code, missing.err]).toEqual([1, `error: training text ${join(dir, 'nope.txt')}: no such file\n`]);
    const bad = file('bad.arpa', '\\data\\\nngram 1=2\n\n\\1-grams:\n-1\t<s>\nminus one\t</s>\n\n\\end\\\n');
    const b = await rnnc('eval', bad, '--data', VALID);
    expect([b.code, b.err]).toEqual([1, `error: ${bad}:6: bad log10 probability "minus one"\n`]);
    const o = await rnnc('train', '--data', TRAIN, '-o', join(dir, 'x.arpa'), '--order', '0');
    expect(o.code).toBe(2);
    expect(o.err).toBe(`error: option '--order <n>' argument '0' is invalid. expected an order from 1 to 20, got "0"\n`);
    const s = await rnnc('train', '--data', TRAIN, '-o', join(dir, 'x.arpa'), '--smoothing', 'good-turing');
    expect(s.code).toBe(2);
    expect(s.err).toBe(`error: option '--smoothing <name>' argument 'good-turing' is invalid. unknown smoothing "good-turing"; expected one of mkn, kn, witten-bell, add-k, stupid-backoff\n`);
    const r = await rnnc('train', '--data', file('s.txt', 'a </s> b\n'), '-o', join(dir, 'x.arpa'));
    expect([r.code, r.err]).toEqual([1, "error: the text contains the word </s>, which ARPA reserves for sentence boundaries (rnnc's line end is <eos>)\n"]);
    const both = await rnnc('train', '--data', TRAIN, '-o', join(dir, 'x.arpa'), '--valid', VALID, '--split', '0.9');
    expect([both.code, both.err]).toEqual([1, 'error: give --valid or --split, not both\n']);
    const w = await rnnc('train', '--data', TRAIN, '-o', join(dir, 'no', 'such', 'x.arpa'));
    expect([w.code, w.err]).toEqual([1, `error: cannot write ${join(dir, 'no', 'such', 'x.arpa')}: its directory does not exist\n`]);
  });
});
