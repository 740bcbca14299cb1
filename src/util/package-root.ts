// Where rnnc's own files are: the nearest directory above this source file that holds a
// package.json named "rnnc", so it is found from src/ and from a built dist/ alike.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | null | undefined;
let cached: string | null | undefined;

function isRnncPackage(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown }).name === 'rnnc';
  } catch {
    return false;
  }
}

/** The root of the rnnc package this file belongs to (a clone or an installed copy), or null. */
export function packageRoot(): string | null {
  if (cachedRoot !== undefined) return cachedRoot;
  cachedRoot = null;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (isRnncPackage(dir)) return (cachedRoot = dir);
    if (dirname(dir) === dir) return cachedRoot;
  }
}

/** The package's `models/` directory (the bundled cells and models), or null if missing. */
export function bundledModelsDir(): string | null {
  if (cached !== undefined) return cached;
  cached = null;
  const root = packageRoot();
  if (root === null) return cached;
  const models = join(root, 'models');
  try {
    if (statSync(models).isDirectory()) cached = models;
  } catch {
    // a package without its models: no fallback
  }
  return cached;
}
