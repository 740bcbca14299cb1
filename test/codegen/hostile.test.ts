// Text from a model file reaches generated code only inside comments, and comments cannot
// be closed from the inside: hostile file names and identifiers that shadow JavaScript or
// the generated code's own names leave the code's behaviour unchanged.
import { describe, expect, it } from 'vitest';
import { analyze, renderDiagnostics } from '../../src/frontend.ts';
import { asModule, compileModel } from '../../src/codegen/index.ts';
import { mulberry32 } from '../../src/graph/interpret.ts';

// A cell and a model whose every name is a placeholder, filled in by `names`.
const template = (n: Record<string, string>): string => `
cell ${n.Cell}(${n.x}: [in]) -> (${n.h}: [hidden], ${n.c}: [hidden]) {
  param ${n.W}: [hidden, in]
  param ${n.U}: [hidden, hidden]
  param ${n.b}: [hidden]
  gate ${n.g} = sigmoid(${n.W} @ ${n.x} + ${n.U} @ ${n.h} + ${n.b})
  ${n.c}' = ${n.g} * ${n.c} + (1 - ${n.g}) * tanh(${n.W} @ ${n.x})
  ${n.h}' = tanh(${n.c}')
}

model ${n.Model} {
  dim vocab = 5, hidden = 3, embed = 2
  param ${n.E}: [vocab, embed]
  param ${n.V}: [vocab, hidden]
  ${n.e} = ${n.E}[token]
  ${n.layer} = ${n.Cell}(dropout(${n.e}, 0.3), hidden = hidden)
  loss cross_entropy(${n.V} @ ${n.layer}, next)
}
`;

const keys = ['Cell', 'x', 'h', 'c', 'W', 'U', 'b', 'g', 'Model', 'E', 'V', 'e', 'layer'];
const clean = Object.fromEntries(keys.map((k, i) => [k, `${k.toLowerCase()}_${i}`]));
// Names the generated code or JavaScript itself uses: each would break naive splicing.
const hostile: Record<string, string> = {
  Cell: 'constructor',
  x: 'k',
  h: 'T',
  c: 'B',
  W: 'P',
  U: 'G',
  b: 't',
  g: 'withLoss',
  Model: '__proto__',
  E: 'tokens',
  V: 'Float',
  e: 'run',
  layer: 'eval',
};
const hostilePaths = [
  '/tmp/x */ throw new Error("pwned"); /*.rnn',
  '/tmp/line\nthrow new Error("pwned")//.rnn',
  '/tmp/sep\u2028throw new Error("pwned")//.rnn',
  "/tmp/quote'\"`${1}`.rnn",
];

function build(path: string, names: Record<string, string>) {
  const text = template(names);
  // A one-file virtual file system: whatever the loader makes of the path, it reads this text.
  const a = analyze(path, { readFile: () => text });
  if (!a.ok) throw new Error(renderDiagnostics(a).join('\n'));
  return compileModel(a.models[0], { sources: a.sources });
}

function behaviour(compiled: ReturnType<typeof build>) {
  const rnd = mulberry32(42);
  const P = Float64Array.from({ length: compiled.layout.totalParams }, () => rnd() * 2 - 1);
  const G = new Float64Array(P.length);
  const runner = compiled.instantiate({ Float: Float64Array, B: 2, T: 3, params: P, grads: G });
  const tokens = Int32Array.of(0, 1, 2, 3, 4, 3, 2, 1);
  const losses = [runner.run(tokens, { seed: 9 }), runner.run(tokens, { seed: 10 })];
  return { losses, grads: Array.from(G) };
}

describe('generated code and hostile input', () => {
  const reference = behaviour(build('/tmp/clean.rnn', clean));

  for (const path of hostilePaths) {
    it(`file name ${JSON.stringify(path)} stays inside comments`, () => {
      const compiled = build(path, clean);
      expect(behaviour(compiled)).toEqual(reference);
      const source = asModule(compiled);
      // Wherever the path appears, it is after a `//` on the same line.
      const lines = source.split(/\r\n|\r|\n|\u2028|\u2029/);
      const marker = path.includes('pwned') ? 'pwned' : 'quote';
      expect(lines.filter((l) => l.includes(marker)).length).toBeGreaterThan(0);
      for (const line of lines) if (line.includes(marker)) expect(line.indexOf('//'), line).toBeLessThan(line.indexOf(marker));
    });
  }

  it('identifiers that shadow JavaScript and generated names change nothing', () => {
    const compiled = build('/tmp/hostile.rnn', hostile);
    expect(behaviour(compiled)).toEqual(reference);
    // The names are still readable, suffixed to stay clear of the reserved ones.
    expect(compiled.source).toMatch(/const tokens_ = P\.subarray/);
    expect(compiled.source).toMatch(/const eval_P = P\.subarray/);
    expect(compiled.layout.params.map((p) => p.name)).toEqual(['tokens', 'Float', 'eval.P', 'eval.G', 'eval.t']);
  });
});
