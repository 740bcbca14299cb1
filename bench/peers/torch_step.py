#!/usr/bin/python3
"""P2 peer: per-token sampling latency of PyTorch eager at batch 1.

One token in, a distribution out: Embedding(V, E) -> nn.LSTM|GRU|RNN one step (state carried)
-> Linear(H, V) -> softmax, under torch.no_grad(). The same network as
../../../shared/peers/torch_charlm.py. Run through bench/peers/torch-step.sh (it sets the
OpenBLAS/OpenMP environment as ../shared/peers/torch.sh does). Prints one JSON line with the
median latency per token over --tokens tokens after --warmup.
"""
import argparse
import json
import os
import time

p = argparse.ArgumentParser()
p.add_argument("--cell", default="lstm", choices=["lstm", "gru", "rnn"])
p.add_argument("--hidden", type=int, default=256)
p.add_argument("--embed", type=int, default=64)
p.add_argument("--vocab", type=int, default=65)
p.add_argument("--tokens", type=int, default=2000)
p.add_argument("--warmup", type=int, default=200)
p.add_argument("--threads", type=int, default=1)
p.add_argument("--seed", type=int, default=0)
args = p.parse_args()

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ.setdefault(var, str(args.threads))

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)
V, E, H = args.vocab, args.embed, args.hidden


class CharLM(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(V, E)
        rnn_cls = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[args.cell]
        self.rnn = rnn_cls(E, H, num_layers=1, batch_first=True)
        self.out = nn.Linear(H, V)

    def step(self, token, state):
        y, state = self.rnn(self.emb(token), state)  # token: [1, 1]
        return torch.softmax(self.out(y[:, -1]), dim=-1), state


model = CharLM().eval()
g = torch.Generator().manual_seed(args.seed)
tokens = torch.randint(0, V, (args.warmup + args.tokens, 1, 1), generator=g)
lat = []
checksum = 0.0
with torch.no_grad():
    state = None
    for i in range(args.warmup + args.tokens):
        t0 = time.perf_counter()
        probs, state = model.step(tokens[i], state)
        p0 = float(probs[0, 0])  # the caller reads the distribution: include the sync
        dt = time.perf_counter() - t0
        checksum += p0
        if i >= args.warmup:
            lat.append(dt)
lat.sort()
med = lat[len(lat) // 2]
print(json.dumps({
    "engine": "pytorch-" + torch.__version__, "mode": "step", "cell": args.cell, "H": H, "E": E, "V": V,
    "threads": args.threads, "tokens": args.tokens, "warmup": args.warmup,
    "median_us": round(1e6 * med, 2), "p90_us": round(1e6 * lat[int(len(lat) * 0.9)], 2),
    "tokens_per_s": round(1 / med, 1), "checksum": round(checksum, 4),
}), flush=True)
