// The builtin functions of the language: their arity and what their arguments must be.
// Shapes are computed in infer.ts; argument rules are enforced by rules/builtin-arguments.ts.

export interface Builtin {
  name: string;
  /** Signature as shown in diagnostics. */
  signature: string;
  minArgs: number;
  maxArgs: number;
  /** Argument positions that must be number literals. */
  literalArgs: number[];
  /** Element-wise: result has the shape of the first argument. */
  elementwise: boolean;
}

const unary = (name: string): Builtin => ({ name, signature: `${name}(x)`, minArgs: 1, maxArgs: 1, literalArgs: [], elementwise: true });

export const BUILTINS: ReadonlyMap<string, Builtin> = new Map(
  [
    unary('sigmoid'),
    unary('tanh'),
    unary('relu'),
    unary('exp'),
    unary('log'),
    unary('softplus'),
    unary('hardtanh'),
    { name: 'leaky_relu', signature: 'leaky_relu(x, slope = 0.01)', minArgs: 1, maxArgs: 2, literalArgs: [1], elementwise: true },
    { name: 'dropout', signature: 'dropout(x, p)', minArgs: 2, maxArgs: 2, literalArgs: [1], elementwise: true },
    // One mask per stream, shared by every step of a window (Gal & Ghahramani's variational dropout).
    { name: 'locked_dropout', signature: 'locked_dropout(x, p)', minArgs: 2, maxArgs: 2, literalArgs: [1], elementwise: true },
    // Whole rows of the table dropped per window, the same rows for every stream (Merity et al.).
    { name: 'embedding_dropout', signature: 'embedding_dropout(E[token], p)', minArgs: 2, maxArgs: 2, literalArgs: [1], elementwise: true },
    { name: 'concat', signature: 'concat(a, b, ...)', minArgs: 2, maxArgs: Infinity, literalArgs: [], elementwise: false },
    { name: 'transpose', signature: 'transpose(M)', minArgs: 1, maxArgs: 1, literalArgs: [], elementwise: false },
    // Several targets (skip-gram's context words, token@-2 … token@+2): the mean of their cross-entropies.
    { name: 'cross_entropy', signature: 'cross_entropy(logits, next)', minArgs: 2, maxArgs: Infinity, literalArgs: [], elementwise: false },
    // The adaptive softmax (Grave et al.): word logits W @ h + b over a frequency-sorted vocabulary,
    // cluster logits, the target, then the cutoffs where the head and each tail cluster end.
    { name: 'adaptive_cross_entropy', signature: 'adaptive_cross_entropy(W @ h + b, clusters, next, cutoff, …)', minArgs: 4, maxArgs: Infinity, literalArgs: [], elementwise: false },
    // Training-only penalties, each a `loss` statement of its own (Merity et al.'s AR and TAR).
    { name: 'ar', signature: 'ar(h, alpha)', minArgs: 2, maxArgs: 2, literalArgs: [1], elementwise: false },
    { name: 'tar', signature: 'tar(layer, beta)', minArgs: 2, maxArgs: 2, literalArgs: [1], elementwise: false },
  ].map((b) => [b.name, b]),
);

/** Initialisers a param may name after `init`, with the number of arguments each takes. */
export const INITS: ReadonlyMap<string, { args: number; signature: string }> = new Map([
  ['xavier', { args: 0, signature: 'xavier' }],
  ['glorot', { args: 0, signature: 'glorot' }],
  ['orthogonal', { args: 0, signature: 'orthogonal' }],
  ['uniform', { args: 1, signature: 'uniform(a)' }],
  ['normal', { args: 1, signature: 'normal(std)' }],
  ['zeros', { args: 0, signature: 'zeros' }],
  ['ones', { args: 0, signature: 'ones' }],
  ['constant', { args: 1, signature: 'constant(c)' }],
]);

export const DEFAULT_LEAKY_SLOPE = 0.01;

/** The losses (the rest of a model's loss statements are penalties). */
export const LOSSES: ReadonlySet<string> = new Set(['cross_entropy', 'adaptive_cross_entropy']);

/** The arguments of a loss call that are its targets (data: next, token, token@k), not values. */
export function targetArgs<A>(callee: string, args: readonly A[]): readonly A[] {
  return callee === 'cross_entropy' ? args.slice(1) : callee === 'adaptive_cross_entropy' ? args.slice(2, 3) : [];
}

/** The penalties a model may add to its loss in training: α · mean(h²) and β · mean((h − h at t−1)²). */
export const PENALTIES: ReadonlySet<string> = new Set(['ar', 'tar']);

/** The builtins whose second argument is a dropout rate in [0, 1). */
export const DROPOUTS: ReadonlySet<string> = new Set(['dropout', 'locked_dropout', 'embedding_dropout']);
