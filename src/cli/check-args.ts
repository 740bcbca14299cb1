// `rnnc check`'s arguments in their usual form, read without commander (main.ts's fast path):
// files, `--dims V` / `--dims=V` (repeatable), `-q` / `--quiet`, in any order. Anything else,
// or a --dims value parseDims refuses, is null: commander then parses the whole line, so help,
// usage errors and their messages are exactly commander's.
import { parseDims } from './options.ts';
import { resolveBundled } from './resolve-model.ts';

export interface CheckArgs {
  files: string[];
  dims: Map<string, number>;
  quiet: boolean;
}

/** The arguments after `check`, or null when commander must read them. */
export function checkArgs(args: readonly string[]): CheckArgs | null {
  const files: string[] = [];
  let dims: Map<string, number> | undefined;
  let quiet = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    let value: string | undefined;
    if (a === '-q' || a === '--quiet') quiet = true;
    else if (a === '--dims') value = args[++i];
    else if (a.startsWith('--dims=')) value = a.slice('--dims='.length);
    else if (a.startsWith('-')) return null;
    else files.push(a);
    if (a === '--dims' || a.startsWith('--dims=')) {
      if (value === undefined) return null;
      try {
        dims = parseDims(value, dims);
      } catch {
        return null;
      }
    }
  }
  if (files.length === 0) return null;
  // As program.ts's preAction hook does for every .rnn argument, after parsing succeeded.
  return { files: files.map((f) => resolveBundled(f, { modelName: true })), dims: dims ?? new Map(), quiet };
}
