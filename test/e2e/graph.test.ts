// `rnnc graph` on a file of cells draws the cell as `compile` and `gradcheck` see it:
// wrapped in embedding → cell → linear → cross-entropy. It used to refuse such a file.
import { describe, expect, it } from 'vitest';
import { rnnc } from './run.ts';

describe('rnnc graph', () => {
  it('draws a file of cells, its cell wrapped in a minimal language model', async () => {
    const r = await rnnc('graph', 'models/cells/lstm.rnn', '--unroll', '3');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('rankdir=LR');
    for (const t of [0, 1, 2]) expect(r.stdout).toContain(`subgraph cluster_t${t} {\n    label="t = ${t}";`);
    expect(r.stdout).not.toContain('cluster_t3');
    expect(r.stdout).toContain('label="cell LSTM in embedding → LSTM → linear → cross-entropy, unrolled 3 steps"');
    // The cell's dims get distinct default sizes (in = 3, hidden = 4; vocab 10).
    expect(r.stdout).toContain('h.W_i\\nparam [4, 3]');
    expect(r.stdout).toContain('V\\nparam [10, 4]');
  });

  it('binds a cell dim by its own name, and picks a cell of several with --cell', async () => {
    const r = await rnnc('graph', 'models/cells/gru.rnn', '--cell', 'GRUResetAfter', '--dims', 'hidden=5', '--unroll', '1');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('cell GRUResetAfter');
    expect(r.stdout).toMatch(/param \[5, 5\]/);
    const several = await rnnc('graph', 'models/cells/gru.rnn');
    expect(several.code).toBe(1);
    expect(several.stderr).toBe('error: models/cells/gru.rnn defines no model and several cells (GRU, GRUResetAfter); pick the one to draw with --cell NAME\n');
    const unknown = await rnnc('graph', 'models/cells/lstm.rnn', '--dims', 'width=3');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error: --dims width: cell LSTM has no dim width (its dims: in, hidden; and vocab)\n');
  });

  it('renders SVG with the backward pass', async () => {
    const r = await rnnc('graph', 'models/cells/elman.rnn', '--unroll', '2', '--backward', '--format', 'svg');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^<\?xml|^<svg/);
    expect(r.stdout).toContain('t = 1');
    expect(r.stdout).toContain('gradients');
  });

  it('still draws a model file as before', async () => {
    const r = await rnnc('graph', 'models/char-lstm.rnn', '--unroll', '2', '--dims', 'vocab=5,embed=2,hidden=3');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('label="CharLSTM, unrolled 2 steps"');
    expect(r.stdout).toContain('subgraph cluster_t1 {');
  });

  // The forward graph is inference's (every word's log-probability); the backward one is what training compiles.
  it('draws an adaptive softmax densely without --backward, fused with its output layer (as training runs it) with it', async () => {
    const fwd = await rnnc('graph', 'test/codegen/models/adaptive.rnn', '--unroll', '2', '--dims', 'vocab=9');
    expect(fwd.code).toBe(0);
    expect(fwd.stdout.match(/adaptive_logprobs \[9\]/g)).toHaveLength(2);
    expect(fwd.stdout).not.toContain('adaptive_xent');
    const bwd = await rnnc('graph', 'test/codegen/models/adaptive.rnn', '--unroll', '2', '--dims', 'vocab=9', '--backward');
    expect(bwd.code).toBe(0);
    expect(bwd.stdout.match(/loss\\nadaptive_xent scalar/g)).toHaveLength(2);
    expect(bwd.stdout).not.toContain('adaptive_logprobs');
  });
});
