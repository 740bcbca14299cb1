#!/usr/bin/env python3
"""Runs exported rnnc models in training mode with given dropout masks, for the regulariser parity test.

stdin: JSON list of jobs {"module", "weights", "window" [T+1][B], "masks" {key: flat list}} where a
key is "dropout/INDEX/T", "locked/INDEX", "rows/INDEX" or "weight_drop/PARAM" (the keys model.py
asks its mask_source for). stdout: JSON list of {"loss" (the training objective of the window from
zero states, float64), "ce" (its cross-entropy part), "penalty", "grads" {param: flat}, "eval_loss" (the same window in eval mode:
no masks, no penalty)}.
"""
import importlib.util
import json
import sys

import torch


def run(job, k):
    spec = importlib.util.spec_from_file_location("exported%d" % k, job["module"])
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    m = mod.load(job["weights"], torch.float64).train()
    masks = job["masks"]
    asked = set()

    def source(kind, key, shape):
        name = "%s/%s" % (kind, "/".join(str(x) for x in key) if isinstance(key, tuple) else key)
        asked.add(name)
        return torch.tensor(masks[name], dtype=torch.float64).reshape(shape)

    m.mask_source = source
    window = torch.tensor(job["window"], dtype=torch.int64)
    log_probs, _ = m(window[:-1])
    ce = m.loss(log_probs, window[1:])
    loss = m.objective(log_probs, window[1:])
    loss.backward()
    penalty = float(m.penalty)
    m.eval()
    with torch.no_grad():
        eval_loss, _ = m.window_loss(window)
    return {
        "loss": loss.item(),
        "ce": ce.item(),
        "penalty": penalty,
        "eval_loss": eval_loss.item(),
        "unused": sorted(set(masks) - asked),
        "grads": {n: p.grad.reshape(-1).tolist() if p.grad is not None else [0.0] * p.numel() for n, p in m.named_parameters()},
    }


if __name__ == "__main__":
    torch.set_num_threads(1)
    json.dump([run(j, k) for k, j in enumerate(json.load(sys.stdin))], sys.stdout)
