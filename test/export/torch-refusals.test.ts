// What the PyTorch export cannot express it refuses with a located diagnostic (the file, line
// and column of the construct), never a stack trace or a silently different training module.
// The window-wide regularisers it once refused (locked_dropout, embedding_dropout, weight_drop,
// ar, tar) it now exports (torch-regularisers.test.ts checks them against rnnc), and so the
// models with token history it once refused (offset lookups E[token@-k], CBOW's look-ahead,
// skip-gram's loss over context positions): they carry the history as rnnc's layout does, one
// more state of the same name and length (torch-history.test.ts checks them against rnnc).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/frontend.ts';
import { compileModel } from '../../src/codegen/index.ts';
import { exportTorch } from '../../src/export/torch/index.ts';

function analysed(path: string, dims: Record<string, number>) {
  const a = analyze(path, { dims, readFile: (p) => readFileSync(p, 'utf8') });
  expect(a.ok).toBe(true);
  return { ir: a.models[0], sources: Object.fromEntries([...a.sources].map(([p, s]) => [p, s.text])) };
}

describe('PyTorch export: the regularisers it once refused are exported', () => {
  it.each([
    ['models/word-awd-lstm.rnn', ['self._weight_drop("h1.U_i", self.h1.U_i, 0.5)', 'self._row_mask(masks, 0,', 'self._locked_mask(masks, 1,', 'penalty = penalty + step_penalty.mean()']],
    ['test/codegen/models/variational.rnn', ['self._row_mask(', 'self._locked_mask(', 'self._dropout_mask(']],
    ['test/codegen/models/penalties.rnn', ['.pow(2).reshape(B, -1).sum(1)', 'self.penalty = penalty / T if self.training else 0.0']],
  ])('%s exports, with its regularisers', (path, wanted) => {
    const { ir, sources } = analysed(path, { vocab: 10 });
    const code = exportTorch({ ir, sources });
    for (const w of wanted) expect(code).toContain(w);
  });
});

describe('PyTorch export: the models with token history it once refused are exported', () => {
  it.each(['models/window-lm.rnn', 'models/char-window-lm.rnn', 'models/cbow.rnn', 'models/skipgram.rnn'])('%s exports, carrying the history rnnc carries', (path) => {
    const { ir, sources } = analysed(path, { vocab: 10 });
    const code = exportTorch({ ir, sources });
    // Oracle: the states of rnnc's generated code, the token history among them.
    const layout = compileModel(ir, { backward: false }).layout;
    const states = layout.states.map((s) => `${JSON.stringify(s.name)}: (${s.shape.join(', ')},)`).join(', ');
    expect(code).toContain(`STATES = {${states}}`);
    expect(layout.states.some((s) => s.name === 'token@history')).toBe(true);
    expect(code).toContain('self._lookup(');
  });
});
