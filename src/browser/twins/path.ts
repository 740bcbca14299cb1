// node:path's POSIX functions that the front end uses (normalize, join, dirname, extname,
// isAbsolute), for the browser build, where file names are keys of the sources given as text.

export const sep = '/';

export function isAbsolute(p: string): boolean {
  return p.startsWith('/');
}

export function normalize(p: string): string {
  if (p === '') return '.';
  const abs = isAbsolute(p);
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!abs) out.push('..');
    } else out.push(part);
  }
  const body = out.join('/');
  const trail = p.endsWith('/') && body !== '' ? '/' : '';
  return (abs ? '/' : '') + (body === '' && !abs ? '.' : body) + trail;
}

export function join(...parts: string[]): string {
  const given = parts.filter((x) => x !== '');
  return given.length === 0 ? '.' : normalize(given.join('/'));
}

export function dirname(p: string): string {
  if (p === '') return '.';
  const trimmed = p.length > 1 ? p.replace(/\/+$/, '') : p;
  const at = trimmed.lastIndexOf('/');
  if (at < 0) return '.';
  if (at === 0) return '/';
  return trimmed.slice(0, at);
}

export function basename(p: string): string {
  const trimmed = p.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

export function extname(p: string): string {
  const base = basename(p);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot);
}

export default { sep, isAbsolute, normalize, join, dirname, basename, extname };
