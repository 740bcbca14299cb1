// A byte buffer for writing large text files fast: ASCII digits and pre-encoded words go
// straight into a Uint8Array, flushed to a file descriptor when full (no string per line, so
// a model of millions of n-grams is written in seconds, not tens of seconds).
import { writeSync } from 'node:fs';

const ENCODER = new TextEncoder();

export class ByteWriter {
  private buf = new Uint8Array(1 << 22);
  private pos = 0;
  private readonly chunks: Uint8Array[] = [];

  /** `fd`: write there on each flush; null: keep the chunks (for `text()`). */
  constructor(private readonly fd: number | null) {}

  private room(n: number): void {
    if (this.pos + n > this.buf.length) {
      this.flush();
      if (n > this.buf.length) this.buf = new Uint8Array(n * 2);
    }
  }

  flush(): void {
    if (this.pos === 0) return;
    if (this.fd === null) this.chunks.push(this.buf.slice(0, this.pos));
    else {
      let off = 0;
      while (off < this.pos) off += writeSync(this.fd, this.buf, off, this.pos - off);
    }
    this.pos = 0;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  byte(c: number): void {
    if (this.pos === this.buf.length) this.flush();
    this.buf[this.pos++] = c;
  }

  string(s: string): void {
    this.bytes(ENCODER.encode(s));
  }

  /** `x` in fixed point with at most `decimals` decimals, trailing zeros dropped ("-1.5", "0", "-99"). */
  fixed(x: number, decimals: number, scale: number): void {
    let v = Math.round(Math.abs(x) * scale);
    this.room(32);
    const buf = this.buf;
    if (v === 0) {
      buf[this.pos++] = 48;
      return;
    }
    if (x < 0) buf[this.pos++] = 45;
    const int = Math.floor(v / scale);
    v -= int * scale;
    this.pos += writeInt(buf, this.pos, int);
    if (v === 0) return;
    buf[this.pos++] = 46;
    // Fraction digits, most significant first, then drop the trailing zeros.
    let end = this.pos + decimals;
    for (let k = end - 1; k >= this.pos; k--) {
      buf[k] = 48 + (v % 10);
      v = Math.floor(v / 10);
    }
    while (buf[end - 1] === 48) end--;
    this.pos = end;
  }

  /** All bytes written so far, when there is no file descriptor. */
  text(): string {
    this.flush();
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/** Writes the decimal digits of a non-negative integer at `at`; returns how many. */
function writeInt(buf: Uint8Array, at: number, n: number): number {
  if (n < 10) {
    buf[at] = 48 + n;
    return 1;
  }
  const s = String(n);
  for (let i = 0; i < s.length; i++) buf[at + i] = s.charCodeAt(i);
  return s.length;
}

export function encodeUtf8(s: string): Uint8Array {
  return ENCODER.encode(s);
}
