// What the ONNX export throws for a model it cannot carry: its diagnostic, checked to be the
// export's error class and code (shared by the refusal tests). The PyTorch export carries the
// token history, so it no longer refuses these models (torch-history.test.ts).
import { expect } from 'vitest';
import type { Diagnostic } from '../../src/util/diagnostic.ts';
import { exportOnnx, OnnxExportError } from '../../src/export/onnx/index.ts';
import type { LanguageModel } from '../../src/runtime/model.ts';

/** Runs the ONNX export of `model`; it must throw its export error; returns the diagnostic. */
export function onnxRefusal(model: LanguageModel): Diagnostic {
  const caught = (run: () => unknown): unknown => {
    try {
      run();
    } catch (e) {
      return e;
    }
    return null;
  };
  const onnx = caught(() => exportOnnx({ ir: model.ir, weights: model.weights() }));
  expect(onnx).toBeInstanceOf(OnnxExportError);
  const d = (onnx as OnnxExportError).diagnostic;
  expect(d.code).toBe('onnx-export');
  return d;
}
