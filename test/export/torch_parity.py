#!/usr/bin/env python3
"""Runs exported rnnc models (model.py from `rnnc export --format torch`) for the parity test.

stdin: JSON list of jobs {"module", "weights", "tokens" [T][B], "initial" {state: flat [B*size]},
"window" [T+1][B]}. stdout: JSON list of {"log_probs" flat [T*B*V] (float32 run, eval mode),
"finals" {state: flat}, "loss", "grads" {param: flat} (float64 run on `window` from zero states)}.
"""
import importlib.util
import json
import sys

import torch


def run(job, k):
    spec = importlib.util.spec_from_file_location("exported%d" % k, job["module"])
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    m = mod.load(job["weights"], torch.float32).eval()
    tokens = torch.tensor(job["tokens"], dtype=torch.int64)
    B = tokens.shape[1]
    states = {n: torch.tensor(v, dtype=torch.float32).reshape(B, *mod.STATES[n]) for n, v in job["initial"].items()}
    with torch.no_grad():
        lp, finals = m(tokens, states)
    m64 = mod.load(job["weights"], torch.float64).eval()
    loss, _ = m64.window_loss(torch.tensor(job["window"], dtype=torch.int64))
    loss.backward()
    torch.manual_seed(k)
    fresh = dict(mod.Model(torch.float64).named_parameters())
    return {
        "init": {n: p.detach().reshape(-1).tolist() for n, p in fresh.items()},
        "log_probs": lp.reshape(-1).tolist(),
        "finals": {n: v.reshape(-1).tolist() for n, v in finals.items()},
        "loss": loss.item(),
        "grads": {n: p.grad.reshape(-1).tolist() if p.grad is not None else [0.0] * p.numel() for n, p in m64.named_parameters()},
    }


if __name__ == "__main__":
    torch.set_num_threads(1)
    jobs = json.load(sys.stdin)
    json.dump([run(j, k) for k, j in enumerate(jobs)], sys.stdout)
