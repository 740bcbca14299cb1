// rnnc score CKPT --data FILE|- — the log-probability of every token of a text, one line per
// token as KenLM's `query` prints them, then the totals; --json for one JSON document.
import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { loadCheckpoint } from '../runtime/train/checkpoint.ts';
import { readCorpus } from '../runtime/data/corpus.ts';
import { scoreText, type ScoreResult, type TokenScore } from '../runtime/score.ts';
import { readArpa } from '../ngram/arpa-read.ts';
import { scoreArpaText } from '../ngram/arpa-text.ts';
import { nextTokenRefusal } from '../ir/next-token.ts';
import { UserError } from './common.ts';
import { parsePositiveInt } from './options.ts';

interface Opts {
  data: string;
  window: number;
  json?: boolean;
}

export function registerScore(program: Command): void {
  program
    .command('score')
    .description('the log-probability of every token of a text (as KenLM query), with totals and perplexity')
    .argument('<checkpoint>', 'checkpoint directory written by rnnc train, or an ARPA n-gram file')
    .requiredOption('--data <file>', "text to score (UTF-8), tokenised with the checkpoint's vocabulary; - reads standard input")
    .option('--window <n>', 'steps per compiled window (speed only; the state carries across windows)', parsePositiveInt, 64)
    .option('--json', 'print one JSON document: {tokens: [{token, id, log10, ln, oov}], totals}')
    .addHelpText(
      'after',
      [
        '',
        'One line per token: the token, log10 p and ln p (tab-separated), and OOV for a word read as',
        '<unk> or a character the vocabulary lacks (skipped: the model reads the text without it).',
        'Characters are written as JSON strings ("a", " ", "\\n"). The first token has no',
        'probability: nothing comes before it. As rnnc eval at --batch 1, the state is carried',
        'through the whole text, so the ln p of the predicted tokens sum to minus eval\'s total NLL.',
        'An ARPA file is scored the same way, its context starting at <s> after each </s> (<eos>).',
        'Perplexity including OOVs = exp(-total ln p / predicted tokens) (eval\'s perplexity);',
        'excluding OOVs leaves out the predictions of OOV tokens, as KenLM reports.',
        '',
        'Examples:',
        '  rnnc score runs/shakespeare --data valid.txt',
        '  echo "To be, or not to be" | rnnc score runs/shakespeare --data - --json',
      ].join('\n'),
    )
    .action((dir: string, o: Opts) => {
      if (statSync(dir, { throwIfNoEntry: false })?.isFile()) return scoreArpa(dir, o);
      const ck = loadCheckpoint(dir);
      // CBOW's and skip-gram's logits predict other positions: a next-token score would be meaningless.
      const refusal = nextTokenRefusal(ck.model.ir, 'score a text token by token');
      if (refusal) throw new UserError(`${dir}: ${refusal}`);
      if (!ck.model.vocab) throw new UserError(`${dir}: has no vocab.json, so it cannot read text`);
      const stdin = o.data === '-';
      const what = stdin ? 'standard input' : o.data;
      const text = stdin ? readStdin() : readCorpus(o.data, 'text');
      const r = scoreText(ck.model, text, { window: o.window, what });
      if (o.json) {
        const tokens = r.tokens.map((t) => ({ token: t.token, id: t.id, log10: t.log10, ln: t.ln, oov: t.oov }));
        const totals = { ...r.totals, perplexityExcludingOov: Number.isFinite(r.totals.perplexityExcludingOov) ? r.totals.perplexityExcludingOov : null };
        process.stdout.write(JSON.stringify({ model: ck.model.name, data: what, unit: ck.model.vocab.kind, tokens, totals }) + '\n');
        return;
      }
      write(r, ck.model.vocab.kind === 'char', `${ck.model.name} on ${what}`);
    });
}

/** Standard input as UTF-8 text (fd 0: a pipe or a socket, which /dev/stdin cannot always open). */
function readStdin(): string {
  const bytes = readFileSync(0);
  if (bytes.length === 0) throw new UserError('standard input is empty: pipe the text to score into rnnc score --data -');
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new UserError('standard input is not valid UTF-8 text; convert it, e.g. iconv -f latin1 -t utf-8');
  }
}

function show(t: TokenScore, char: boolean): string {
  const token = char ? JSON.stringify(t.token) : t.token;
  const p = t.ln === null ? '-\t-' : `${t.log10!.toFixed(6)}\t${t.ln.toFixed(6)}`;
  const note = t.ln === null && !t.oov ? '\t(first token: nothing predicts it)' : '';
  return `${token}\t${p}${t.oov ? '\tOOV' : ''}${note}\n`;
}

/** An ARPA model in place of the checkpoint: the same lines and totals (ngram/arpa-text.ts). */
function scoreArpa(file: string, o: Opts): void {
  const m = readArpa(file);
  if (!m.info.normalised) console.error(`note: ${file} was estimated with ${m.info.smoothing}: its scores are not probabilities`);
  const what = o.data === '-' ? 'standard input' : o.data;
  const r = scoreArpaText(m, o.data === '-' ? readStdin() : readCorpus(o.data, 'text'));
  if (r.totals.predicted < 1) throw new UserError(`${what}: nothing to score (${r.totals.tokens} token${r.totals.tokens === 1 ? '' : 's'})`);
  const char = m.vocab.level === 'char';
  if (o.json) {
    const totals = { ...r.totals, perplexityExcludingOov: Number.isFinite(r.totals.perplexityExcludingOov) ? r.totals.perplexityExcludingOov : null };
    process.stdout.write(JSON.stringify({ model: file, data: what, unit: m.vocab.level, tokens: r.tokens, totals }) + '\n');
    return;
  }
  write(r, char, `${m.order}-gram ${file} on ${what}`);
}

function write(r: Pick<ScoreResult, 'tokens' | 'totals'>, char: boolean, title: string): void {
  // Written in chunks: a text of a million tokens is a million lines.
  let chunk = '';
  for (const t of r.tokens) {
    chunk += show(t, char);
    if (chunk.length > 1 << 16) {
      process.stdout.write(chunk);
      chunk = '';
    }
  }
  const s = r.totals;
  const excl = Number.isFinite(s.perplexityExcludingOov) ? s.perplexityExcludingOov.toFixed(4) : 'n/a (every prediction is of an OOV token)';
  chunk += [
    `${title}`,
    `Total: log10 ${s.log10.toFixed(6)}  ln ${s.ln.toFixed(6)}  over ${s.predicted} predicted tokens`,
    `Tokens: ${s.tokens}  OOV: ${s.oov}`,
    `Perplexity including OOVs: ${s.perplexityIncludingOov.toFixed(4)}`,
    `Perplexity excluding OOVs: ${excl}`,
    '',
  ].join('\n');
  process.stdout.write(chunk);
}
