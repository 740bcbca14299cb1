// Where rnnc's own files are: the nearest directory above this source file that holds a
// package.json named "rnnc", so it is found from src/ and from a built dist/ alike.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | null | undefined;

function isRnncPackage(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown }).name === 'rnnc';
  } catch {
    return false;
  }
}

/** The package's `models/` directory (the bundled cells and models), or null if missing. */
export function bundledModelsDir(): string | null {
  if (cached !== undefined) return cached;
  cached = null;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (isRnncPackage(dir)) {
      const models = join(dir, 'models');
      try {
        if (statSync(models).isDirectory()) cached = models;
      } catch {
        // a package without its models: no fallback
      }
      break;
    }
    if (dirname(dir) === dir) break;
  }
  return cached;
}
