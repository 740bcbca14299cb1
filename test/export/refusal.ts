// What the PyTorch export throws for a model it cannot carry: its diagnostic, checked to be
// the export's error class and code (shared by the refusal tests). The ONNX export carries
// the token history these models read (onnx-history.test.ts).
import { expect } from 'vitest';
import type { Diagnostic } from '../../src/util/diagnostic.ts';
import { exportTorch, TorchExportError } from '../../src/export/torch/index.ts';
import type { LanguageModel } from '../../src/runtime/model.ts';

/** Runs the PyTorch export of `model`; it must throw its export error; returns its diagnostic. */
export function exportRefusals(model: LanguageModel): { torch: Diagnostic } {
  const caught = (run: () => unknown): unknown => {
    try {
      run();
    } catch (e) {
      return e;
    }
    return null;
  };
  const torch = caught(() => exportTorch({ ir: model.ir, sources: model.sources }));
  expect(torch).toBeInstanceOf(TorchExportError);
  const d = { torch: (torch as TorchExportError).diagnostic };
  expect(d.torch.code).toBe('torch-export');
  return d;
}
