// Code generator for the float32 GEMM module: C = alpha·op(A)·op(B) + beta·C, row-major,
// on byte offsets into one imported WebAssembly.Memory.
//
// Structure (the GotoBLAS/BLIS loop nest):
//   for jc in N by NC:                       B block  kc×nc packed into panels of NR columns
//     for pc in K by KC:
//       packB(op(B)[pc:pc+kc, jc:jc+nc])
//       for ic in M by MC:                   A block  mc×kc packed into panels of MR rows
//         packA(op(A)[ic:ic+mc, pc:pc+kc])
//         macro: for each NR-panel of B, for each MR-panel of A:
//           micro-kernel: MR×NR tile of f32x4 accumulators held in locals,
//           one pass over kc (b = 2 vector loads, a = broadcast loads, mul + add),
//           then C_tile = alpha·acc + beta·C_tile (beta = 0 never reads C).
// Packing makes every transpose variant feed the same micro-kernel: the packed panels
// are contiguous in the order the micro-kernel reads them, zero-padded at the edges.

import {
  type Bytes, type Local, FunctionBuilder, encodeModule, get, i32, i32c, f32, f32c, f32x4,
  v128, select, uleb, I32, F32, V128,
} from './asm.ts';
import { addr4, packFunction } from './gemm-pack.ts';

export interface GemmShape {
  /** Rows of the register tile (broadcast side). */
  mr: number;
  /** Columns of the register tile; a multiple of 4 (vector side). */
  nr: number;
  /** Cache blocks: rows of A per packed block, depth of a block, columns of B per block. */
  mc: number;
  kc: number;
  nc: number;
  /** Unroll factor of the micro-kernel's k loop. */
  unroll: number;
  /** Use f32x4.relaxed_madd (needs relaxed SIMD in the engine). */
  fma: boolean;
}

/**
 * Measured on a 2-core Cascade Lake under V8 11.3 (bench/README.md): V8's scheduler hoists
 * all loads of an iteration, so a tile fits the 15 allocatable xmm registers only when
 * accumulators + B vectors + broadcasts ≤ 15: 4×8 with mul+add (8 + 2 + 4, plus a
 * temporary), 3×12 with fused multiply-add (9 + 3 + 3). Unrolling k only adds spills.
 * Block sizes barely matter at these sizes; mc and nc are rounded to tile multiples.
 */
export const DEFAULT_SHAPE: GemmShape = { mr: 4, nr: 8, mc: 128, kc: 256, nc: 1024, unroll: 1, fma: false };
export const DEFAULT_FMA_SHAPE: GemmShape = { mr: 3, nr: 12, mc: 128, kc: 256, nc: 1024, unroll: 1, fma: true };

export function resolveShape(partial: Partial<GemmShape> = {}): GemmShape {
  const base = partial.fma ? DEFAULT_FMA_SHAPE : DEFAULT_SHAPE;
  const s = { ...base, ...partial };
  if (!(s.mr >= 1 && s.nr >= 4 && s.nr % 4 === 0 && s.kc >= 1 && s.unroll >= 1)) {
    throw new Error(`bad gemm shape ${JSON.stringify(s)}`);
  }
  s.mc = Math.max(s.mr, Math.floor(s.mc / s.mr) * s.mr);
  s.nc = Math.max(s.nr, Math.floor(s.nc / s.nr) * s.nr);
  return s;
}

/** Bytes of scratch one thread's gemm needs (packed A block, packed B block, one tile). */
export function workBytes(s: GemmShape): number {
  return (s.mc * s.kc + s.kc * s.nc + s.mr * s.nr) * 4;
}

/** The macro-kernel: all MR×NR tiles of an mc×nc block of C from packed A and B. */
function macroFunction(s: GemmShape): FunctionBuilder {
  const { mr: MR, nr: NR, unroll: U } = s;
  if (NR % 4 !== 0) throw new Error('nr must be a multiple of 4');
  const NV = NR / 4;
  const f = new FunctionBuilder('macro', [
    ['mc', I32], ['nc', I32], ['kc', I32], ['ap', I32], ['bp', I32], ['c', I32], ['ldc', I32],
    ['alpha', F32], ['beta', F32], ['tmp', I32],
  ]);
  const mc = f.param('mc'), nc = f.param('nc'), kc = f.param('kc'), ap = f.param('ap'), bp = f.param('bp');
  const c = f.param('c'), ldc = f.param('ldc'), alpha = f.param('alpha'), beta = f.param('beta'), tmp = f.param('tmp');
  const jr = f.local(I32, 'jr'), ir = f.local(I32, 'ir');
  const pa = f.local(I32, 'pa'), pb = f.local(I32, 'pb'), paEnd = f.local(I32, 'paEnd'), paEndU = f.local(I32, 'paEndU');
  const ctile = f.local(I32, 'ctile'), crow = f.local(I32, 'crow');
  const ldcBytes = f.local(I32, 'ldcBytes');
  const bPanel = f.local(I32, 'bPanel'), aPanel = f.local(I32, 'aPanel');
  const mEff = f.local(I32, 'mEff'), nEff = f.local(I32, 'nEff'), r = f.local(I32, 'r'), j = f.local(I32, 'j');
  const alphaV = f.local(V128, 'alphaV'), betaV = f.local(V128, 'betaV');
  const a = f.local(V128, 'a');
  const bv: Local[] = Array.from({ length: NV }, (_, v) => f.local(V128, `b${v}`));
  const acc: Local[][] = Array.from({ length: MR }, (_, i) =>
    Array.from({ length: NV }, (_, v) => f.local(V128, `acc${i}_${v}`)));

  f.set(ldcBytes, i32.shl(get(ldc), i32c(2)));
  f.set(alphaV, f32x4.splat(get(alpha)));
  f.set(betaV, f32x4.splat(get(beta)));
  const panelBytesA = i32.mul(get(kc), i32c(MR * 4));
  const panelBytesB = i32.mul(get(kc), i32c(NR * 4));

  // One k step of the micro-kernel, reading at constant offsets from pa / pb.
  const step = (u: number) => {
    for (let v = 0; v < NV; v++) f.set(bv[v], v128.load(get(pb), (u * NR + 4 * v) * 4));
    for (let i = 0; i < MR; i++) {
      f.set(a, v128.load32_splat(get(pa), (u * MR + i) * 4));
      for (let v = 0; v < NV; v++) {
        f.set(acc[i][v], s.fma
          ? f32x4.relaxed_madd(get(a), get(bv[v]), get(acc[i][v]))
          : f32x4.add(get(acc[i][v]), f32x4.mul(get(a), get(bv[v]))));
      }
    }
  };

  f.set(bPanel, get(bp));
  f.for(jr, i32c(0), get(nc), NR, () => {
    f.set(aPanel, get(ap));
    f.for(ir, i32c(0), get(mc), MR, () => {
      // ---- micro-kernel
      for (const row of acc) for (const x of row) f.set(x, v128.const0());
      f.set(pa, get(aPanel));
      f.set(pb, get(bPanel));
      f.set(paEnd, i32.add(get(pa), panelBytesA));
      f.set(paEndU, i32.sub(get(paEnd), i32c((U - 1) * MR * 4)));
      f.block((exit) => {
        f.loop((top) => {
          f.brIf(exit, i32.ge_u(get(pa), get(paEndU)));
          for (let u = 0; u < U; u++) step(u);
          f.set(pa, i32.add(get(pa), i32c(U * MR * 4)));
          f.set(pb, i32.add(get(pb), i32c(U * NR * 4)));
          f.br(top);
        });
      });
      if (U > 1) {
        f.block((exit) => {
          f.loop((top) => {
            f.brIf(exit, i32.ge_u(get(pa), get(paEnd)));
            step(0);
            f.set(pa, i32.add(get(pa), i32c(MR * 4)));
            f.set(pb, i32.add(get(pb), i32c(NR * 4)));
            f.br(top);
          });
        });
      }
      // ---- scale by alpha
      for (const row of acc) for (const x of row) f.set(x, f32x4.mul(get(x), get(alphaV)));
      f.set(ctile, i32.add(get(c), i32.add(i32.mul(get(ir), get(ldcBytes)), i32.shl(get(jr), i32c(2)))));
      f.set(mEff, i32.sub(get(mc), get(ir)));
      f.set(nEff, i32.sub(get(nc), get(jr)));
      const full = i32.and(i32.ge_s(get(mEff), i32c(MR)), i32.ge_s(get(nEff), i32c(NR)));
      f.if(full, () => {
        // Full tile: write straight into C.
        const writeRows = (combine: (old: Bytes, x: Local) => Bytes | null) => {
          f.set(crow, get(ctile));
          for (let i = 0; i < MR; i++) {
            for (let v = 0; v < NV; v++) {
              const old = v128.load(get(crow), v * 16, 2);
              f.v128store(get(crow), combine(old, acc[i][v]) ?? get(acc[i][v]), v * 16, 2);
            }
            if (i + 1 < MR) f.set(crow, i32.add(get(crow), get(ldcBytes)));
          }
        };
        f.if(f32.eq(get(beta), f32c(0)), () => writeRows(() => null), () => {
          f.if(f32.eq(get(beta), f32c(1)),
            () => writeRows((old, x) => f32x4.add(get(x), old)),
            () => writeRows((old, x) => f32x4.add(get(x), f32x4.mul(old, get(betaV)))));
        });
      }, () => {
        // Edge tile: spill the accumulators to tmp[MR][NR], then merge the valid part.
        for (let i = 0; i < MR; i++)
          for (let v = 0; v < NV; v++) f.v128store(get(tmp), get(acc[i][v]), (i * NR + 4 * v) * 4);
        f.set(mEff, select(get(mEff), i32c(MR), i32.lt_s(get(mEff), i32c(MR))));
        f.set(nEff, select(get(nEff), i32c(NR), i32.lt_s(get(nEff), i32c(NR))));
        f.for(r, i32c(0), get(mEff), 1, () => {
          f.set(crow, i32.add(get(ctile), i32.mul(get(r), get(ldcBytes))));
          f.for(j, i32c(0), get(nEff), 1, () => {
            const cAddr = addr4(get(crow), get(j));
            const t = f32.load(addr4(get(tmp), i32.add(i32.mul(get(r), i32c(NR)), get(j))));
            f.if(f32.eq(get(beta), f32c(0)),
              () => f.f32store(cAddr, t),
              () => f.f32store(cAddr, f32.add(t, f32.mul(get(beta), f32.load(cAddr)))));
          });
        });
      });
      f.set(aPanel, i32.add(get(aPanel), panelBytesA));
    });
    f.set(bPanel, i32.add(get(bPanel), panelBytesB));
  });
  return f;
}

/** C = beta·C for an m×n block (beta = 0 writes zeros without reading). */
function scaleFunction(): FunctionBuilder {
  const f = new FunctionBuilder('scale', [['m', I32], ['n', I32], ['beta', F32], ['c', I32], ['ldc', I32]]);
  const m = f.param('m'), n = f.param('n'), beta = f.param('beta'), c = f.param('c'), ldc = f.param('ldc');
  const i = f.local(I32, 'i'), j = f.local(I32, 'j'), row = f.local(I32, 'row');
  f.for(i, i32c(0), get(m), 1, () => {
    f.set(row, addr4(get(c), i32.mul(get(i), get(ldc))));
    f.for(j, i32c(0), get(n), 1, () => {
      const at = addr4(get(row), get(j));
      f.if(f32.eq(get(beta), f32c(0)),
        () => f.f32store(at, f32c(0)),
        () => f.f32store(at, f32.mul(get(beta), f32.load(at))));
    });
  });
  return f;
}

/**
 * C[i, j] = alpha·Σ_p A[i, p]·B[j, p] + beta·C[i, j] for a few rows i (A not transposed, B
 * transposed: both read along contiguous rows): one SIMD dot product per entry, no packing.
 * For batch-1 steps (sampling), where packing B would copy more than the product reads.
 */
function gemvtFunction(s: GemmShape): FunctionBuilder {
  const f = new FunctionBuilder('gemvt', [
    ['m', I32], ['n', I32], ['k', I32], ['alpha', F32], ['a', I32], ['lda', I32], ['b', I32], ['ldb', I32],
    ['beta', F32], ['c', I32], ['ldc', I32],
  ]);
  const P = (x: string) => f.param(x);
  const m = P('m'), n = P('n'), k = P('k'), alpha = P('alpha'), a = P('a'), lda = P('lda'), b = P('b'), ldb = P('ldb');
  const beta = P('beta'), c = P('c'), ldc = P('ldc');
  const i = f.local(I32, 'i'), j = f.local(I32, 'j'), p = f.local(I32, 'p'), k8 = f.local(I32, 'k8'), k4 = f.local(I32, 'k4');
  const arow = f.local(I32, 'arow'), brow = f.local(I32, 'brow'), at = f.local(I32, 'at');
  const acc0 = f.local(V128, 'acc0'), acc1 = f.local(V128, 'acc1'), sum = f.local(F32, 'sum');
  const madd = (x: Bytes, y: Bytes, acc: Bytes): Bytes => (s.fma ? f32x4.relaxed_madd(x, y, acc) : f32x4.add(acc, f32x4.mul(x, y)));
  f.set(k8, i32.and(get(k), i32c(~7)));
  f.set(k4, i32.and(get(k), i32c(~3)));
  f.for(i, i32c(0), get(m), 1, () => {
    f.set(arow, addr4(get(a), i32.mul(get(i), get(lda))));
    f.for(j, i32c(0), get(n), 1, () => {
      f.set(brow, addr4(get(b), i32.mul(get(j), get(ldb))));
      f.set(acc0, f32x4.splat(f32c(0)));
      f.set(acc1, f32x4.splat(f32c(0)));
      // Two accumulators: two independent chains of adds per iteration.
      f.for(p, i32c(0), get(k8), 8, () => {
        f.set(acc0, madd(v128.load(addr4(get(arow), get(p)), 0, 2), v128.load(addr4(get(brow), get(p)), 0, 2), get(acc0)));
        f.set(acc1, madd(v128.load(addr4(get(arow), get(p)), 16, 2), v128.load(addr4(get(brow), get(p)), 16, 2), get(acc1)));
      });
      f.for(p, get(k8), get(k4), 4, () => {
        f.set(acc0, madd(v128.load(addr4(get(arow), get(p)), 0, 2), v128.load(addr4(get(brow), get(p)), 0, 2), get(acc0)));
      });
      f.set(acc0, f32x4.add(get(acc0), get(acc1)));
      f.set(sum, f32.add(f32.add(f32x4.extract_lane(get(acc0), 0), f32x4.extract_lane(get(acc0), 1)), f32.add(f32x4.extract_lane(get(acc0), 2), f32x4.extract_lane(get(acc0), 3))));
      f.for(p, get(k4), get(k), 1, () => {
        f.set(sum, f32.add(get(sum), f32.mul(f32.load(addr4(get(arow), get(p))), f32.load(addr4(get(brow), get(p))))));
      });
      f.set(at, addr4(get(c), i32.add(i32.mul(get(i), get(ldc)), get(j))));
      // beta = 0 never reads C (it may hold NaN).
      f.if(f32.eq(get(beta), f32c(0)),
        () => f.f32store(get(at), f32.mul(get(alpha), get(sum))),
        () => f.f32store(get(at), f32.add(f32.mul(get(alpha), get(sum)), f32.mul(get(beta), f32.load(get(at))))));
    });
  });
  return f;
}

/** The driver: blocking loops, packing, macro-kernel calls. Function indices are fixed below. */
function gemmFunction(s: GemmShape, fnIndex: Record<string, number>): FunctionBuilder {
  const f = new FunctionBuilder('gemm', [
    ['ta', I32], ['tb', I32], ['m', I32], ['n', I32], ['k', I32], ['alpha', F32],
    ['a', I32], ['lda', I32], ['b', I32], ['ldb', I32], ['beta', F32], ['c', I32], ['ldc', I32], ['work', I32],
  ]);
  const P = (n: string) => f.param(n);
  const ta = P('ta'), tb = P('tb'), m = P('m'), n = P('n'), k = P('k'), alpha = P('alpha');
  const a = P('a'), lda = P('lda'), b = P('b'), ldb = P('ldb'), beta = P('beta'), c = P('c'), ldc = P('ldc'), work = P('work');
  const jc = f.local(I32, 'jc'), pc = f.local(I32, 'pc'), ic = f.local(I32, 'ic');
  const nc = f.local(I32, 'nc'), kc = f.local(I32, 'kc'), mc = f.local(I32, 'mc');
  const apack = f.local(I32, 'apack'), bpack = f.local(I32, 'bpack'), tmp = f.local(I32, 'tmp');
  const betaEff = f.local(F32, 'betaEff'), src = f.local(I32, 'src');
  const call = (name: string, args: Bytes[]) => f.emit([...args.flat(), 0x10, ...uleb(fnIndex[name])]);
  f.if(i32.or(i32.eqz(get(m)), i32.eqz(get(n))), () => f.return());
  f.if(i32.or(i32.eqz(get(k)), f32.eq(get(alpha), f32c(0))), () => {
    f.if(f32.ne(get(beta), f32c(1)), () => call('scale', [get(m), get(n), get(beta), get(c), get(ldc)]));
    f.return();
  });
  f.set(apack, get(work));
  f.set(bpack, i32.add(get(work), i32c(s.mc * s.kc * 4)));
  f.set(tmp, i32.add(get(bpack), i32c(s.kc * s.nc * 4)));
  const min = (x: Bytes, y: number) => select(x, i32c(y), i32.lt_s(x, i32c(y)));

  f.for(jc, i32c(0), get(n), s.nc, () => {
    f.set(nc, min(i32.sub(get(n), get(jc)), s.nc));
    f.for(pc, i32c(0), get(k), s.kc, () => {
      f.set(kc, min(i32.sub(get(k), get(pc)), s.kc));
      f.set(betaEff, select(get(beta), f32c(1), i32.eqz(get(pc))));
      // op(B)[pc, jc]: B[pc·ldb + jc] (tb = 0) or B[jc·ldb + pc] (tb = 1)
      f.if(get(tb), () => {
        f.set(src, addr4(get(b), i32.add(i32.mul(get(jc), get(ldb)), get(pc))));
        call('packBt', [get(src), get(ldb), get(kc), get(nc), get(bpack)]);
      }, () => {
        f.set(src, addr4(get(b), i32.add(i32.mul(get(pc), get(ldb)), get(jc))));
        call('packBn', [get(src), get(ldb), get(kc), get(nc), get(bpack)]);
      });
      f.for(ic, i32c(0), get(m), s.mc, () => {
        f.set(mc, min(i32.sub(get(m), get(ic)), s.mc));
        // op(A)[ic, pc]: A[ic·lda + pc] (ta = 0) or A[pc·lda + ic] (ta = 1)
        f.if(get(ta), () => {
          f.set(src, addr4(get(a), i32.add(i32.mul(get(pc), get(lda)), get(ic))));
          call('packAt', [get(src), get(lda), get(kc), get(mc), get(apack)]);
        }, () => {
          f.set(src, addr4(get(a), i32.add(i32.mul(get(ic), get(lda)), get(pc))));
          call('packAn', [get(src), get(lda), get(kc), get(mc), get(apack)]);
        });
        call('macro', [
          get(mc), get(nc), get(kc), get(apack), get(bpack),
          addr4(get(c), i32.add(i32.mul(get(ic), get(ldc)), get(jc))), get(ldc),
          get(alpha), get(betaEff), get(tmp),
        ]);
      });
    });
  });
  return f;
}

export interface GemmModuleOptions {
  shape?: Partial<GemmShape>;
  memory: { minPages: number; maxPages: number; shared: boolean };
}

/** Encode the module. Exports: gemm, gemvt, macro, scale, packAn, packAt, packBn, packBt. */
export function buildGemmModule(opts: GemmModuleOptions): { bytes: Uint8Array<ArrayBuffer>; shape: GemmShape } {
  const shape = resolveShape(opts.shape);
  // Packed A panels are MR wide (A is the broadcast side); packed B panels are NR wide.
  // op(A)[i, k] with ta = 0 is A[i·lda + k]: contiguous in k, so panels are transposed.
  const packAn = packFunction('packAn', shape.mr, false);
  const packAt = packFunction('packAt', shape.mr, true);
  const packBn = packFunction('packBn', shape.nr, true);
  const packBt = packFunction('packBt', shape.nr, false);
  const macro = macroFunction(shape);
  const scale = scaleFunction();
  const gemvt = gemvtFunction(shape);
  const order = [packAn, packAt, packBn, packBt, macro, scale, gemvt];
  const index: Record<string, number> = {};
  order.forEach((fn, i) => (index[fn.name] = i));
  index.gemm = order.length;
  const gemm = gemmFunction(shape, index);
  const bytes = encodeModule(
    { module: 'env', name: 'memory', minPages: opts.memory.minPages, maxPages: opts.memory.maxPages, shared: opts.memory.shared },
    [...order, gemm],
  );
  return { bytes, shape };
}
