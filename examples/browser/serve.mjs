#!/usr/bin/env node
// A static file server for the browser examples (node:http, no dependency): it serves the
// repository, so the pages find dist/browser/rnnc.mjs, and prints their URLs.
//   node examples/browser/serve.mjs [--port 8080] [--model FILE]
// --model serves FILE as examples/browser/model.mjs (default: the file of that name, if any).
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.wasm': 'application/wasm', '.png': 'image/png', '.txt': 'text/plain; charset=utf-8', '.map': 'application/json' };

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = process.argv[i + 1];
  if (v === undefined) {
    console.error(`serve.mjs: --${name} needs a value`);
    process.exit(2);
  }
  return v;
}

const port = Number(option('port', '8080'));
const host = option('host', '127.0.0.1');
const model = option('model', null);
const overrides = new Map(model ? [['/examples/browser/model.mjs', resolve(model)]] : []);

/** The file a URL path names inside the repository, or null (outside it, or not a file). */
function fileOf(path) {
  if (overrides.has(path)) return overrides.get(path);
  const file = normalize(join(root, decodeURIComponent(path)));
  if (file !== root && !file.startsWith(root + sep)) return null;
  try {
    return statSync(file).isFile() ? file : null;
  } catch {
    return null;
  }
}

const server = createServer((req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (path === '/') {
    res.writeHead(302, { location: '/examples/browser/suggest.html' });
    return void res.end();
  }
  const file = req.method === 'GET' || req.method === 'HEAD' ? fileOf(path) : null;
  if (!file) {
    res.writeHead(404, { 'content-type': 'text/plain' });
    return void res.end(`not found: ${path}\n`);
  }
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(file).pipe(res);
});

server.on('error', (e) => {
  console.error(`serve.mjs: ${e.message}`);
  process.exit(1);
});
server.listen(port, host, () => {
  const base = `http://${host}:${server.address().port}/examples/browser`;
  console.log(`${base}/suggest.html\n${base}/train.html`);
});
