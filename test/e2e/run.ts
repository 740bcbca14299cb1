// Running the CLI as a user does: a real process; its exit code and both streams.
import { execFile } from 'node:child_process';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function rnnc(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('node', ['bin/rnnc.js', ...args], { encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** rnnc(...args) with these variables added to the environment. */
export function rnncWith(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('node', ['bin/rnnc.js', ...args], { encoding: 'utf8', env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}
