// Crash consistency: `rnnc train` is SIGKILLed at random moments (seeded) while it writes
// checkpoints, again and again, each time resumed from what it left. After every kill the
// directory must load as a complete checkpoint (or be refused with one clear line), and the
// run that finally completes must end with the very bytes of an uninterrupted run.
// RNNC_TEST_SAVE_DELAY_MS (a test-only hook in checkpoint-swap.ts) widens the window of each
// write and rename so that most kills land inside a save. More kills: RNNC_CRASH_KILLS=40.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointError, loadCheckpoint } from '../../src/runtime/train/checkpoint.ts';

const KILLS = Number(process.env.RNNC_CRASH_KILLS ?? 8);
const SEED = Number(process.env.RNNC_CRASH_SEED ?? 20261204);
const STEPS = 6 * KILLS;
const dir = mkdtempSync(join(tmpdir(), 'rnnc-crash-'));
const corpus = join(dir, 'corpus.txt');
writeFileSync(corpus, 'To be, or not to be, that is the question:\nWhether tis nobler in the mind to suffer\n'.repeat(40));
const tiny = ['--data', corpus, '--dims', 'embed=8,hidden=16', '--batch', '4', '--bptt', '16', '--sample', '0', '--eval-every', '3', '--json'];

/** mulberry32: the kill times, reproducible from the seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Exit {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs rnnc; with `kill`, SIGKILLs it `ms` after its `valids`-th validation line (a save
 * follows each validation), or after its start line when `valids` is 0.
 */
function run(args: string[], env: Record<string, string>, kill?: { valids: number; ms: number }): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn('node', ['bin/rnnc.js', ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    let armed = false;
    child.stdout.on('data', (d) => {
      stdout += d;
      const valids = stdout.split('"valid_loss"').length - 1;
      if (kill && !armed && stdout.includes('"event":"start"') && valids >= kill.valids) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), kill.ms);
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The checkpoint directory after a kill: loads as a complete set, or is refused with one line. */
function inspect(out: string): { step: number } | { refused: string } {
  try {
    const ck = loadCheckpoint(out);
    expect(ck.optimizer).not.toBeNull();
    return { step: ck.config.trainer!.step };
  } catch (e) {
    expect(e).toBeInstanceOf(CheckpointError);
    expect((e as Error).message).not.toMatch(/\n/);
    return { refused: (e as Error).message };
  }
}

describe('checkpoints survive SIGKILL at any moment', () => {
  it(`${KILLS} kills during checkpoint writes; resuming always continues bit for bit or refuses clearly`, { timeout: 60_000 + KILLS * 15_000 }, async () => {
    const reference = join(dir, 'reference');
    const out = join(dir, 'killed');
    const random = rng(SEED);
    const refRun = run(['train', 'models/char-lstm.rnn', ...tiny, '--steps', String(STEPS), '--out', reference], {});
    const seen: string[] = [];
    for (let k = 0; k < KILLS; k++) {
      const state = existsSync(out) || readdirSync(dirname(out)).some((n) => n.startsWith(`${basename(out)}.old-`)) ? inspect(out) : null;
      const args = state && 'step' in state ? ['train', '--resume', out, '--steps', String(STEPS)] : ['train', 'models/char-lstm.rnn', ...tiny, '--steps', String(STEPS), '--out', out];
      if (state && 'refused' in state) {
        seen.push(`refused: ${state.refused}`);
        rmSync(out, { recursive: true, force: true });
      }
      const kill = { valids: Math.floor(random() * 3), ms: Math.floor(random() * 250) };
      const r = await run(args.includes('--resume') ? [...args, '--json'] : args, { RNNC_TEST_SAVE_DELAY_MS: '15' }, kill);
      // Killed (the usual case) or finished before the kill; never an error of its own.
      expect(r.signal === 'SIGKILL' || r.code === 0, `kill ${k}: ${r.stderr}`).toBe(true);
      const leftovers = readdirSync(dirname(out)).filter((n) => n.startsWith(`${basename(out)}.`));
      const after = inspect(out);
      seen.push(`kill ${k}, ${kill.ms} ms after validation ${kill.valids}: ${'step' in after ? `complete checkpoint at step ${after.step}` : 'refused'}${leftovers.length ? `, leftovers ${leftovers.map((n) => n.slice(basename(out).length)).join(' ')}` : ''}`);
    }
    // Finish the run without kills and compare with the run that was never interrupted.
    const state = inspect(out);
    const last = 'step' in state ? await run(['train', '--resume', out, '--steps', String(STEPS), '--json'], {}) : await run(['train', 'models/char-lstm.rnn', ...tiny, '--steps', String(STEPS), '--out', out], {});
    const ref = await refRun;
    expect(ref.code, ref.stderr).toBe(0);
    expect(last.code, last.stderr).toBe(0);
    console.log(`seed ${SEED}:\n  ${seen.join('\n  ')}`);
    expect(readFileSync(join(out, 'model.safetensors')).equals(readFileSync(join(reference, 'model.safetensors')))).toBe(true);
    const endOf = (s: string) => JSON.parse(s.trim().split('\n').at(-1)!);
    expect(endOf(last.stdout)).toMatchObject({ event: 'end', step: STEPS, loss: endOf(ref.stdout).loss, valid_loss: endOf(ref.stdout).valid_loss });
    // Every kill is survived: no leftovers once a save completes.
    expect(readdirSync(dirname(out)).filter((n) => n.startsWith(`${basename(out)}.`))).toEqual([]);
  });
});
