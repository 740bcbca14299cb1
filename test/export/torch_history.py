#!/usr/bin/env python3
"""Runs exported rnnc models with token history over consecutive windows, for torch-history.test.ts.

stdin: JSON list of jobs {"module", "weights", "windows": [[T+1][B]] ...}. For each job, in float64 and
eval mode, from a stream's start: each window's loss and gradients (window_targets read before the
forward, the states and token history carried and detached between windows, as train.py does), and
the states after each window. stdout: JSON list of {"windows": [{"loss", "grads" {param: flat},
"finals" {state: flat}}]}.
"""
import importlib.util
import json
import sys

import torch


def run(job, k):
    spec = importlib.util.spec_from_file_location("history%d" % k, job["module"])
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    m = mod.load(job["weights"], torch.float64).eval()
    states, out = None, []
    for w in job["windows"]:
        window = torch.tensor(w, dtype=torch.int64)
        m.zero_grad()
        targets = m.window_targets(window, states)
        log_probs, states = m(window[:-1], states)
        loss = m.loss(log_probs, targets)
        loss.backward()
        states = m.detach_states(states)
        out.append({
            "loss": loss.item(),
            "grads": {n: p.grad.reshape(-1).tolist() if p.grad is not None else [0.0] * p.numel() for n, p in m.named_parameters()},
            "finals": {n: v.reshape(-1).tolist() for n, v in states.items()},
        })
    return {"windows": out}


if __name__ == "__main__":
    torch.set_num_threads(1)
    jobs = json.load(sys.stdin)
    json.dump([run(j, k) for k, j in enumerate(jobs)], sys.stdout)
