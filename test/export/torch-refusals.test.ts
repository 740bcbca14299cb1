// What the PyTorch export cannot express it refuses with a located diagnostic (the file, line
// and column of the construct), never a stack trace or a silently different training module.
// The window-wide regularisers it once refused (locked_dropout, embedding_dropout, weight_drop,
// ar, tar) it now exports (torch-regularisers.test.ts checks them against rnnc); what it still
// refuses, offset lookups (token@k), offset-refused.test.ts checks, in the library and the CLI.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/frontend.ts';
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
