// What the browser-page tests share: Chromium (Debian's, driven by playwright-core), the
// examples' own server (examples/browser/serve.mjs) started on a free port, and screenshots.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';

export const root = resolve(import.meta.dirname, '../..');
export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
export const SKIP = 'skipped: no Chromium (apt-get install chromium)';
export const ARTIFACTS = join(root, 'test-artifacts/browser');

export interface Session {
  /** The URL of examples/browser/ on the server, with a trailing slash. */
  base: string;
  page: Page;
  /** What the page threw or logged as an error. */
  errors: string[];
  close(): Promise<void>;
}

/** Starts `node examples/browser/serve.mjs --port 0 …args` (or another copy of it) and a headless Chromium with one page. */
export async function open(args: string[] = [], serveScript = join(root, 'examples/browser/serve.mjs')): Promise<Session> {
  const { chromium } = await import('playwright-core');
  const server: ChildProcess = spawn(process.execPath, [serveScript, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  server.stderr!.on('data', (d) => (stderr += d));
  const first = await new Promise<string>((ok, no) => {
    server.stdout!.once('data', (d) => ok(String(d).split('\n')[0]));
    server.once('exit', (code) => no(new Error(`serve.mjs exited (${code}): ${stderr}`)));
  });
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    const page = await browser.newPage({ viewport: { width: 900, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    return {
      base: first.slice(0, first.lastIndexOf('/') + 1),
      page,
      errors,
      close: async () => {
        await browser!.close();
        server.kill();
      },
    };
  } catch (e) {
    await browser?.close();
    server.kill();
    throw e;
  }
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}
