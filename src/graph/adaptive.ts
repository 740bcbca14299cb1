// What the adaptive softmax means (Grave et al. 2017, "Efficient softmax approximation for
// GPUs"), in one place. The vocabulary, sorted by frequency (rnnc's word vocabularies are),
// is cut at c_1 < … < c_K into a head [0, c_1) and tail clusters [c_k, c_{k+1}) (c_{K+1} is
// the vocabulary size). The head softmax runs over the head words' logits z and one logit per
// cluster, u; a tail word's probability is its cluster's head probability times its own
// within the cluster:
//   log p(w) = z_w − LSE(z_head, u)                                  w in the head
//   log p(w) = u_k − LSE(z_head, u) + z_w − LSE(z_[c_k, c_{k+1}))       w in cluster k
// Training reads only the head and the target's cluster, which is where the time goes to:
// a rare word's cluster costs one row of products only for the tokens that are in it.
// The interpreter, the VJP rules and the code generator's kernels all follow these.

/** The clusters' bounds: [c_k, c_{k+1}) for k = 0 … K−1 (the tail clusters, in order). */
export function tailBounds(cutoffs: readonly number[], V: number): [number, number][] {
  return cutoffs.map((c, k) => [c, k + 1 < cutoffs.length ? cutoffs[k + 1] : V]);
}

/** The tail cluster word `w` is in, or −1 for a head word. */
export function clusterOf(cutoffs: readonly number[], w: number): number {
  let k = -1;
  while (k + 1 < cutoffs.length && w >= cutoffs[k + 1]) k++;
  return k;
}

function lse(x: ArrayLike<number>, from: number, to: number, extra?: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = from; i < to; i++) if (x[i] > max) max = x[i];
  if (extra) for (let i = 0; i < extra.length; i++) if (extra[i] > max) max = extra[i];
  if (max === -Infinity) return -Infinity;
  let s = 0;
  for (let i = from; i < to; i++) s += Math.exp(x[i] - max);
  if (extra) for (let i = 0; i < extra.length; i++) s += Math.exp(extra[i] - max);
  return max + Math.log(s);
}

/** Every word's log-probability: [V] from the word logits z [V] and the cluster logits u [K]. */
export function adaptiveLogProbs(z: Float64Array, u: Float64Array, cutoffs: readonly number[]): Float64Array {
  const V = z.length;
  const out = new Float64Array(V);
  const head = lse(z, 0, cutoffs[0], u);
  for (let i = 0; i < cutoffs[0]; i++) out[i] = z[i] - head;
  tailBounds(cutoffs, V).forEach(([a, b], k) => {
    const within = lse(z, a, b);
    for (let i = a; i < b; i++) out[i] = u[k] - head + z[i] - within;
  });
  return out;
}

/** The gradients of Σ g · adaptiveLogProbs(z, u) with respect to z and u. */
export function adaptiveLogProbsVjp(z: Float64Array, u: Float64Array, g: Float64Array, cutoffs: readonly number[]): { dz: Float64Array; du: Float64Array } {
  const V = z.length;
  const dz = new Float64Array(V);
  const du = new Float64Array(u.length);
  // Every entry subtracts the head's LSE: its gradient is the sum of all of g, spread by the head softmax.
  let all = 0;
  for (let i = 0; i < V; i++) all += g[i];
  const head = lse(z, 0, cutoffs[0], u);
  for (let i = 0; i < cutoffs[0]; i++) dz[i] = g[i] - all * Math.exp(z[i] - head);
  tailBounds(cutoffs, V).forEach(([a, b], k) => {
    let inCluster = 0;
    for (let i = a; i < b; i++) inCluster += g[i];
    du[k] = inCluster - all * Math.exp(u[k] - head);
    const within = lse(z, a, b);
    for (let i = a; i < b; i++) dz[i] = g[i] - inCluster * Math.exp(z[i] - within);
  });
  return { dz, du };
}

/** −log p(y), reading only the head and y's cluster. */
export function adaptiveLoss(z: ArrayLike<number>, u: ArrayLike<number>, cutoffs: readonly number[], y: number): number {
  const V = z.length;
  const k = clusterOf(cutoffs, y);
  const head = lse(z, 0, cutoffs[0], u);
  if (k < 0) return head - z[y];
  const [a, b] = tailBounds(cutoffs, V)[k];
  return head - u[k] + lse(z, a, b) - z[y];
}

/**
 * The gradients of g · (−log p(y)) with respect to z (zero outside the head and y's cluster)
 * and u: each softmax's probabilities minus the one-hot of what y picks from it.
 */
export function adaptiveLossVjp(z: ArrayLike<number>, u: ArrayLike<number>, cutoffs: readonly number[], y: number, g: number): { dz: Float64Array; du: Float64Array } {
  const V = z.length;
  const dz = new Float64Array(V);
  const du = new Float64Array(u.length);
  const k = clusterOf(cutoffs, y);
  const head = lse(z, 0, cutoffs[0], u);
  for (let i = 0; i < cutoffs[0]; i++) dz[i] = g * Math.exp(z[i] - head);
  for (let j = 0; j < u.length; j++) du[j] = g * Math.exp(u[j] - head);
  if (k < 0) {
    dz[y] -= g;
    return { dz, du };
  }
  du[k] -= g;
  const [a, b] = tailBounds(cutoffs, V)[k];
  const within = lse(z, a, b);
  for (let i = a; i < b; i++) dz[i] = g * Math.exp(z[i] - within);
  dz[y] -= g;
  return { dz, du };
}
