// Gradient diagnostics recorded in the learning curve (the lecture's exploding and vanishing
// gradients, seen during training): at each logged point, the norm of each parameter
// tensor's gradient before clipping, and how many steps since the previous point clipping
// fired.
import type { ParamSlot } from '../../codegen/generate.ts';

/** ‖g‖₂ of each parameter's slice of the gradient arena, times `scale` (the loss scale), squares summed in float64. */
export function paramGradNorms(grads: ArrayLike<number>, params: readonly Pick<ParamSlot, 'name' | 'offset' | 'size'>[], scale = 1): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of params) {
    let s = 0;
    for (let i = p.offset; i < p.offset + p.size; i++) s += grads[i] * grads[i];
    out[p.name] = scale * Math.sqrt(s);
  }
  return out;
}

/** The first parameter whose values (or else whose gradient) are not finite, by name: what a diverged run names. */
export function firstNonFinite(params: ArrayLike<number>, grads: ArrayLike<number>, slots: readonly Pick<ParamSlot, 'name' | 'offset' | 'size'>[]): { name: string; what: 'value' | 'gradient' } | null {
  for (const [arena, what] of [[params, 'value'], [grads, 'gradient']] as const) {
    for (const slot of slots) {
      for (let i = slot.offset; i < slot.offset + slot.size; i++) if (!Number.isFinite(arena[i])) return { name: slot.name, what };
    }
  }
  return null;
}
