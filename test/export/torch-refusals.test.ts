// What the PyTorch export cannot express yet it refuses with a located diagnostic (the
// file, line and column of the construct), never a stack trace or a silently different
// training module: locked_dropout, embedding_dropout, weight_drop, ar and tar.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze } from '../../src/frontend.ts';
import { exportTorch, TorchExportError } from '../../src/export/torch/index.ts';
import { renderDiagnostic } from '../../src/util/diagnostic.ts';

function refusal(path: string, dims: Record<string, number>, edit?: (text: string) => string): string {
  const read = (p: string): string => {
    const t = readFileSync(p, 'utf8');
    return edit && p.endsWith(path) ? edit(t) : t;
  };
  const a = analyze(path, { dims, readFile: read });
  expect(a.ok).toBe(true);
  const sources = Object.fromEntries([...a.sources].map(([p, s]) => [p, s.text]));
  try {
    exportTorch({ ir: a.models[0], sources });
  } catch (e) {
    expect(e).toBeInstanceOf(TorchExportError);
    return renderDiagnostic((e as TorchExportError).diagnostic, a.sources);
  }
  throw new Error('exported');
}

describe('PyTorch export refuses what it cannot express, at its place in the source', () => {
  it('weight_drop, at the param', () => {
    const text = refusal('models/word-awd-lstm.rnn', { vocab: 10 });
    expect(text).toMatch(/lstm-weight-drop\.rnn:7:9: error: cannot export to PyTorch: weight_drop \(of h1\.U_i\) has no PyTorch lowering yet/);
  });

  it('embedding_dropout and locked_dropout, at the call', () => {
    expect(refusal('test/codegen/models/variational.rnn', { vocab: 10 })).toMatch(/variational\.rnn:13:8: error: cannot export to PyTorch: embedding_dropout has no PyTorch lowering yet/);
    expect(refusal('test/codegen/models/penalties.rnn', { vocab: 10 }, (t) => t.replace(/\n  loss (ar|tar)\(.*/g, ''))).toMatch(/penalties\.rnn:16:8: error: cannot export to PyTorch: locked_dropout has no PyTorch lowering yet/);
  });

  it('ar and tar, at the loss statement', () => {
    expect(refusal('test/codegen/models/penalties.rnn', { vocab: 10 })).toMatch(/penalties\.rnn:18:3: error: cannot export to PyTorch: the training penalty ar has no PyTorch lowering yet/);
  });
});
