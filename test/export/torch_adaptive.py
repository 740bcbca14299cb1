#!/usr/bin/env python3
"""The exported adaptive softmax's target path (forward(tokens, states, targets)) against its dense path,
for torch-adaptive.test.ts.

stdin: JSON {"module", "weights", "window" [T+1][B], "cases": [{"name", "targets" [T][B] or [K][T][B]}]}.
stdout: JSON list, per case: {"name", "values" (largest |target path - dense pick|), "grads" (largest gradient
difference of target_loss over all parameters), "macs" and "dense_macs" (the multiply-adds of
forward() given the targets and of the dense forward())}. float64, eval mode (no dropout).
"""
import importlib.util
import json
import sys

import torch
from torch.overrides import TorchFunctionMode


class CountMacs(TorchFunctionMode):
    """Adds up the multiply-adds of every matrix product run inside it."""

    def __init__(self):
        super().__init__()
        self.macs = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if getattr(func, "__name__", "") in ("matmul", "__matmul__", "mm", "addmm"):
            self.macs += out.numel() * args[0].shape[-1]
        return out


def main():
    job = json.load(sys.stdin)
    spec = importlib.util.spec_from_file_location("exported", job["module"])
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    m = mod.load(job["weights"], torch.float64).eval()
    window = torch.tensor(job["window"], dtype=torch.int64)
    out = []
    for case in job["cases"]:
        targets = torch.tensor(case["targets"], dtype=torch.int64)
        m.zero_grad()
        dense, _ = m(window[:-1])
        picked = m._target_log_probs(dense, targets)
        m.target_loss(picked).backward()
        g_dense = {n: p.grad.clone() for n, p in m.named_parameters()}
        m.zero_grad()
        lp, _ = m(window[:-1], None, targets)
        m.target_loss(lp).backward()
        grads = max(float((p.grad - g_dense[n]).abs().max()) for n, p in m.named_parameters())
        # The multiply-adds of the whole forward(), densely and given the targets: the time loop's are the same.
        with torch.no_grad(), CountMacs() as d:
            m(window[:-1])
        with torch.no_grad(), CountMacs() as c:
            m(window[:-1], None, targets)
        out.append({"name": case["name"], "values": float((lp - picked).abs().max()), "grads": grads, "macs": c.macs, "dense_macs": d.macs})
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
