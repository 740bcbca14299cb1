#!/usr/bin/env node
// Builds the optional native kernels (src/kernels/native/kernels.c, one translation unit that
// includes its parts: gemm.c, xent.c, arena.c, optim.c, threads.c, bindings.c, common.h) into
// build/rnnc-kernels.node with the machine's C compiler, tuned for this CPU (-march=native).
// npm runs it at install.
// It never fails the install: where there is no compiler or no Node headers it says why and
// rnnc uses its WebAssembly kernels. RNNC_NATIVE=0 skips the build; CC picks the compiler.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'src/kernels/native/kernels.c');
const outDir = path.join(root, 'build');
const out = path.join(outDir, 'rnnc-kernels.node');
const stamp = path.join(outDir, 'rnnc-kernels.json');
const say = (msg) => console.log(`rnnc: ${msg}`);

const sha256 = (file) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** The files kernels.c includes with `#include "…"` (its parts), by name; the same as partsOf in src/kernels/native/load.ts. */
function partsOf(text) {
  return [...text.matchAll(/^#include "([^"]+)"/gm)].map((m) => m[1]);
}

function nodeHeaders() {
  const candidates = [
    process.env.npm_config_nodedir && path.join(process.env.npm_config_nodedir, 'include/node'),
    path.join(path.dirname(process.execPath), '..', 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].filter(Boolean);
  return candidates.find((dir) => existsSync(path.join(dir, 'node_api.h')));
}

/** This CPU: architecture, model and (on Linux) its feature flags. Same as cpuId in src/kernels/native/load.ts. */
function cpuId() {
  let flags = '';
  try {
    flags = readFileSync('/proc/cpuinfo', 'utf8').match(/^(flags|Features)\s*:(.*)$/m)?.[2].trim() ?? '';
  } catch {}
  return createHash('sha256').update(`${process.arch}|${os.cpus()[0]?.model ?? ''}|${flags}`).digest('hex').slice(0, 16);
}

function main() {
  if (process.env.RNNC_NATIVE === '0') {
    say('RNNC_NATIVE=0: native kernels not built; the WebAssembly kernels will be used');
    return;
  }
  const include = nodeHeaders();
  if (!include) {
    say("native kernels not built (Node's headers, node_api.h, not found); the WebAssembly kernels will be used");
    return;
  }
  const cc = process.env.CC || 'cc';
  // FMAs wherever the GEMM writes acc += b * a; GCC honours kernels.c's fp-contract=off
  // attribute on the Adam step under 'fast', clang honours its pragma only under 'on' (which
  // still fuses within one expression, as the micro-kernel's are).
  const contract = isClang(cc) ? '-ffp-contract=on' : '-ffp-contract=fast';
  // -fno-math-errno: sqrt without the errno path, so loops that take roots (Adam) vectorise.
  const common = ['-O3', '-std=gnu11', contract, '-fno-math-errno', '-fPIC', '-shared', '-pthread', `-I${include}`];
  // Never unloaded: Node dlcloses an addon when the last worker thread that loaded it exits,
  // which would unmap the code and data under the GEMM's helper thread (a crash at its next wake).
  if (process.platform !== 'darwin' && process.platform !== 'win32') common.splice(-1, 0, '-Wl,-z,nodelete');
  // macOS links an addon's napi_* symbols at load time, from the node binary.
  if (process.platform === 'darwin') common.splice(-1, 0, '-undefined', 'dynamic_lookup');
  // Tuned for this CPU first; a compiler that rejects -march=native still gets a portable build.
  const attempts = [['-march=native'], []];
  mkdirSync(outDir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  let lastError = '';
  for (const extra of attempts) {
    const args = [...common, ...extra, source, '-o', tmp];
    try {
      execFileSync(cc, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (e) {
      lastError = String(e.stderr || e.message).trim().split('\n').slice(0, 3).join(' / ');
      continue;
    }
    renameSync(tmp, out);
    // The hash of kernels.c and of each part it includes: load.ts runs the build only while they match.
    const parts = Object.fromEntries(partsOf(readFileSync(source, 'utf8')).map((p) => [p, sha256(path.join(path.dirname(source), p))]));
    // A -march=native build runs only on this CPU: the stamp names it (load.ts compares).
    const cpu = extra.length ? cpuId() : null;
    writeFileSync(stamp, JSON.stringify({ source: 'src/kernels/native/kernels.c', sha256: sha256(source), parts, cpu, cc, flags: [...common.slice(0, -1), ...extra] }, null, 2) + '\n');
    say(`native kernels built (${cc} ${extra.join(' ') || 'portable'}) → build/rnnc-kernels.node`);
    return;
  }
  rmSync(tmp, { force: true });
  say(`native kernels not built (${cc}: ${lastError || 'failed'}); the WebAssembly kernels will be used`);
}

/** Whether the compiler is clang (Apple's cc included): it predefines __clang__. */
function isClang(cc) {
  try {
    return /^#define __clang__ /m.test(execFileSync(cc, ['-dM', '-E', '-x', 'c', '-'], { input: '', stdio: ['pipe', 'pipe', 'ignore'] }).toString());
  } catch {
    return false;
  }
}

try {
  main();
} catch (e) {
  say(`native kernels not built (${e instanceof Error ? e.message : e}); the WebAssembly kernels will be used`);
}
