// The packing functions of the float32 GEMM module (gemm-module.ts): they copy a strip of A or B
// into the contiguous, zero-padded panels the micro-kernel reads, transposing where op() does.
import {
  type Bytes, FunctionBuilder, get, i32, i32c, f32, f32c,
  v128, shuffle32, I32, V128,
} from './asm.ts';

/** The byte address of float `index` past `base`. */
export const addr4 = (base: Bytes, index: Bytes): Bytes => i32.add(base, i32.shl(index, i32c(2)));

/**
 * Pack a kc-deep strip of `n` "panel-dimension" indices p into panels of width W:
 * dst[q][k][w] = element(p = q·W + w, k), zero for p ≥ n.
 * `contiguousInP`: element(p, k) at src + (k·ld + p)·4 (copy rows);
 * otherwise element(p, k) at src + (p·ld + k)·4 (transpose, by 4×4 SIMD blocks).
 */
export function packFunction(name: string, W: number, contiguousInP: boolean): FunctionBuilder {
  const f = new FunctionBuilder(name, [['src', I32], ['ld', I32], ['kc', I32], ['n', I32], ['dst', I32]]);
  const src = f.param('src'), ld = f.param('ld'), kc = f.param('kc'), n = f.param('n'), dst = f.param('dst');
  const p0 = f.local(I32, 'p0'), k = f.local(I32, 'k'), w = f.local(I32, 'w');
  const s = f.local(I32, 's'), d = f.local(I32, 'd'), nFull = f.local(I32, 'nFull'), end = f.local(I32, 'end');
  const kc4 = f.local(I32, 'kc4');
  const ldBytes = f.local(I32, 'ldBytes');
  f.set(ldBytes, i32.shl(get(ld), i32c(2)));
  // nFull = n - n % W (W need not be a power of two; count up instead of dividing).
  f.set(nFull, i32c(0));
  f.block((exit) => {
    f.loop((top) => {
      f.brIf(exit, i32.gt_s(i32.add(get(nFull), i32c(W)), get(n)));
      f.set(nFull, i32.add(get(nFull), i32c(W)));
      f.br(top);
    });
  });
  f.set(d, get(dst));
  if (contiguousInP) {
    // Full panels: W contiguous floats per k.
    f.for(p0, i32c(0), get(nFull), W, () => {
      f.set(s, addr4(get(src), get(p0)));
      f.set(end, i32.add(get(d), i32.mul(get(kc), i32c(W * 4))));
      f.block((exit) => {
        f.loop((top) => {
          f.brIf(exit, i32.ge_u(get(d), get(end)));
          if (W % 4 === 0) {
            for (let v = 0; v < W / 4; v++) f.v128store(get(d), v128.load(get(s), v * 16, 2), v * 16, 2);
          } else {
            for (let v = 0; v < W; v++) f.f32store(get(d), f32.load(get(s), v * 4), v * 4);
          }
          f.set(s, i32.add(get(s), get(ldBytes)));
          f.set(d, i32.add(get(d), i32c(W * 4)));
          f.br(top);
        });
      });
    });
  } else {
    // With W a multiple of 4, k goes by 4×4 SIMD transposes up to kc4, then scalar.
    f.set(kc4, W % 4 === 0 ? i32.and(get(kc), i32c(~3)) : i32c(0));
    f.for(p0, i32c(0), get(nFull), W, () => {
      // Rows p0..p0+W-1, each contiguous in k.
      if (W % 4 === 0) {
        const rows = f.local(V128, 'r0'), r1 = f.local(V128, 'r1'), r2 = f.local(V128, 'r2'), r3 = f.local(V128, 'r3');
        const t0 = f.local(V128, 't0'), t1 = f.local(V128, 't1'), t2 = f.local(V128, 't2'), t3 = f.local(V128, 't3');
        const base = f.local(I32, 'base');
        f.set(base, i32.add(get(src), i32.mul(get(p0), get(ldBytes))));
        f.for(k, i32c(0), get(kc4), 4, () => {
          for (let g = 0; g < W / 4; g++) {
            // s = address of element (p0 + 4g, k)
            f.set(s, i32.add(addr4(get(base), get(k)), i32.mul(get(ldBytes), i32c(4 * g))));
            f.set(rows, v128.load(get(s), 0, 2));
            f.set(r1, v128.load(i32.add(get(s), get(ldBytes)), 0, 2));
            f.set(r2, v128.load(i32.add(get(s), i32.shl(get(ldBytes), i32c(1))), 0, 2));
            f.set(r3, v128.load(i32.add(get(s), i32.mul(get(ldBytes), i32c(3))), 0, 2));
            f.set(t0, shuffle32(get(rows), get(r1), [0, 4, 1, 5]));
            f.set(t1, shuffle32(get(rows), get(r1), [2, 6, 3, 7]));
            f.set(t2, shuffle32(get(r2), get(r3), [0, 4, 1, 5]));
            f.set(t3, shuffle32(get(r2), get(r3), [2, 6, 3, 7]));
            // destination (k + i) * W + 4g, relative to d + k*W*4
            const o = (i: number) => (i * W + 4 * g) * 4;
            const dk = i32.add(get(d), i32.mul(get(k), i32c(W * 4)));
            f.v128store(dk, shuffle32(get(t0), get(t2), [0, 1, 4, 5]), o(0));
            f.v128store(dk, shuffle32(get(t0), get(t2), [2, 3, 6, 7]), o(1));
            f.v128store(dk, shuffle32(get(t1), get(t3), [0, 1, 4, 5]), o(2));
            f.v128store(dk, shuffle32(get(t1), get(t3), [2, 3, 6, 7]), o(3));
          }
        });
      }
      // Remaining k (all k when W is not a multiple of 4): scalar.
      f.for(k, get(kc4), get(kc), 1, () => {
        const dk = i32.add(get(d), i32.mul(get(k), i32c(W * 4)));
        const sk = addr4(i32.add(get(src), i32.mul(get(p0), get(ldBytes))), get(k));
        f.set(s, sk);
        for (let v = 0; v < W; v++) {
          f.f32store(dk, f32.load(get(s)), v * 4);
          if (v + 1 < W) f.set(s, i32.add(get(s), get(ldBytes)));
        }
      });
      f.set(d, i32.add(get(d), i32.mul(get(kc), i32c(W * 4))));
    });
  }
  // Last, partial panel: zero it, then copy the n - nFull valid indices one by one.
  f.if(i32.lt_s(get(nFull), get(n)), () => {
    f.set(end, i32.add(get(d), i32.mul(get(kc), i32c(W * 4))));
    f.set(s, get(d));
    f.block((exit) => {
      f.loop((top) => {
        f.brIf(exit, i32.ge_u(get(s), get(end)));
        f.f32store(get(s), f32c(0));
        f.set(s, i32.add(get(s), i32c(4)));
        f.br(top);
      });
    });
    f.for(w, i32c(0), i32.sub(get(n), get(nFull)), 1, () => {
      f.for(k, i32c(0), get(kc), 1, () => {
        const p = i32.add(get(nFull), get(w));
        const from = contiguousInP
          ? addr4(get(src), i32.add(i32.mul(get(k), get(ld)), p))
          : addr4(get(src), i32.add(i32.mul(p, get(ld)), get(k)));
        const to = addr4(get(d), i32.add(i32.mul(get(k), i32c(W)), get(w)));
        f.f32store(to, f32.load(from));
      });
    });
  });
  return f;
}
