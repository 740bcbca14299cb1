// What the CLI prints when an error escapes a command, shared by main.ts and the CommonJS
// check bundle (check-fast.ts), which cannot share error classes with the ES module build.

/** Output piped into `head` closes early; that is not an error. */
export function exitQuietlyOnEpipe(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

/** Prints the error the way the CLI reports it and exits: 1 when the user can fix it, 70 for a bug in rnnc. */
export function exitWithFailure(e: unknown, isUserError: (e: unknown) => boolean): never {
  if (isUserError(e)) {
    console.error(`error: ${(e as Error).message}`);
    process.exit(1);
  }
  // Anything that escapes is a bug in rnnc, not in the user's file: say so plainly.
  console.error(`rnnc: internal error: ${e instanceof Error ? e.message : String(e)}`);
  console.error('please report this with the file that caused it');
  process.exit(70);
}
