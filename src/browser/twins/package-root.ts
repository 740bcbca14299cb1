// src/util/package-root.ts in the browser build: no package on a disk. The shipped models and
// cells are in the bundle instead (src/browser/index.ts adds them to the sources).
export function packageRoot(): string | null {
  return null;
}

export function bundledModelsDir(): string | null {
  return null;
}
