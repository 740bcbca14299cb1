// Which models' logits are a next-token distribution (what sample and score read). Oracle:
// the model file's own loss line, read as text: a target `token` or `token@k` is not `next`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadIR } from '../../src/runtime/model.ts';
import { nextTokenRefusal, notNextToken } from '../../src/ir/next-token.ts';

const SHIPPED = readdirSync('models').filter((f) => f.endsWith('.rnn'));
/** The targets after the logits in `loss cross_entropy(logits, …)`, as written. */
const targetsOf = (file: string): string[] => {
  const line = readFileSync(join('models', file), 'utf8').split('\n').find((l) => /^\s*loss\s+cross_entropy\(/.test(l))!;
  const inner = line.slice(line.indexOf('(') + 1, line.lastIndexOf(')'));
  // The logits may hold commas inside brackets; the targets are the top-level arguments after the first.
  const args: string[] = [];
  let depth = 0, cur = '';
  for (const ch of inner) {
    if (ch === ',' && depth === 0) (args.push(cur.trim()), (cur = ''));
    else {
      depth += '([{'.includes(ch) ? 1 : ')]}'.includes(ch) ? -1 : 0;
      cur += ch;
    }
  }
  args.push(cur.trim());
  return args.slice(1);
};

describe.each(SHIPPED)('models/%s', (file) => {
  it('is refused exactly when its loss does not predict next', () => {
    const { ir } = loadIR(join('models', file), { dims: { vocab: 7 } });
    const targets = targetsOf(file);
    const why = notNextToken(ir);
    if (targets.length === 1 && targets[0] === 'next') {
      expect(why).toBeNull();
      expect(nextTokenRefusal(ir, 'sample text')).toBeNull();
    } else {
      // Every written target is named in the reason (`token` alone, or each `token@k`).
      for (const t of targets) expect(why).toContain(t);
      expect(why).toMatch(/not the next token$/);
      const line = nextTokenRefusal(ir, 'sample text')!;
      expect(line.startsWith(`model ${ir.name} cannot sample text: ${why}`)).toBe(true);
      expect(line).toMatch(/use rnnc eval for its loss, or rnnc neighbours for its embeddings$/);
      expect(line).not.toContain('\n');
    }
  });
});

describe('the shipped word2vec models', () => {
  it('are the ones refused: cbow.rnn (token) and skipgram.rnn (four context positions)', () => {
    const refused = SHIPPED.filter((f) => notNextToken(loadIR(join('models', f), { dims: { vocab: 7 } }).ir) !== null);
    expect(refused.sort()).toEqual(['cbow.rnn', 'skipgram.rnn']);
    expect(SHIPPED.length - refused.length).toBeGreaterThanOrEqual(5);
  });
});
