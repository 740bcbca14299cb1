// What both exports (ONNX, PyTorch) throw for a model they cannot carry: the diagnostic of
// each, checked to be that export's error class and code (shared by the refusal tests).
import { expect } from 'vitest';
import type { Diagnostic } from '../../src/util/diagnostic.ts';
import { exportOnnx, OnnxExportError } from '../../src/export/onnx/index.ts';
import { exportTorch, TorchExportError } from '../../src/export/torch/index.ts';
import type { LanguageModel } from '../../src/runtime/model.ts';

/** Runs both exports of `model`; each must throw its export error; returns their diagnostics. */
export function exportRefusals(model: LanguageModel): { onnx: Diagnostic; torch: Diagnostic } {
  const caught = (run: () => unknown): unknown => {
    try {
      run();
    } catch (e) {
      return e;
    }
    return null;
  };
  const onnx = caught(() => exportOnnx({ ir: model.ir, weights: model.weights() }));
  const torch = caught(() => exportTorch({ ir: model.ir, sources: model.sources }));
  expect(onnx).toBeInstanceOf(OnnxExportError);
  expect(torch).toBeInstanceOf(TorchExportError);
  const d = { onnx: (onnx as OnnxExportError).diagnostic, torch: (torch as TorchExportError).diagnostic };
  expect(d.onnx.code).toBe('onnx-export');
  expect(d.torch.code).toBe('torch-export');
  return d;
}
