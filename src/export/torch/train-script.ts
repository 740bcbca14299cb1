// train.py, written beside model.py by `rnnc export --format torch`: trains the exported
// module with rnnc's conventions — the vocabulary of the export, the text cut into B streams
// read in windows of T steps with the state carried (and detached) between windows and reset
// each epoch (runtime/train/batches.ts), the mean cross-entropy (or T × it with
// --loss-scale sum), the global-norm clip of the scaled gradient, rnnc's optimizers
// (runtime/optim/) — on one process or several with DistributedDataParallel (each rank
// its slice of the streams, so the averaged gradient is the one-process gradient), and
// writes an rnnc checkpoint directory (model.safetensors, vocab.json, config.json) that
// `rnnc eval`, `rnnc sample` and `rnnc export` read, with the run's settings and position
// (config.json's "torch") and its optimizer buffers and carried states
// (torch-trainer.safetensors), from which `rnnc train --resume` continues the run.
import { AVERAGING_PY } from './averaging-py.ts';
import { RUN_IO_PY } from './run-io-py.ts';
import { RESUME_PY } from './resume-py.ts';

export const TRAIN_PY = `#!/usr/bin/env python3
"""Trains the exported rnnc model, on one process or with DistributedDataParallel, and writes an rnnc checkpoint.

    python3 train.py --data input.txt --steps 50 --out ckpt                        # one process
    torchrun --nproc_per_node 2 train.py --data input.txt --steps 50 --out ckpt    # DDP, 2 ranks (gloo on CPU)
    python3 train.py --nproc 2 --data input.txt --steps 50 --out ckpt              # the same, without torchrun
    torchrun --nnodes 2 --node_rank R --rdzv-endpoint HOST:29500 --nproc_per_node 8 train.py ...   # several machines
    rnnc eval ckpt --data valid.txt --batch 4                                      # back in rnnc
    rnnc train --resume ckpt --steps 100                                           # the run continued in rnnc
    python3 train.py --nproc 2 --resume ckpt-rnnc --steps 150 --out ckpt2          # and back into PyTorch

Data, windows and carried state, loss, clipping, optimizers (nt-asgd too), the decay schedule and
validation are rnnc train's (same flags); the model's regularisers (locked and embedding dropout,
weight_drop, ar/tar) train as rnnc's do. --resume CKPT continues a run of rnnc train or of this script where it stopped: its
settings (an option given with another value is refused), optimizer buffers and step, carried
states and learning rate; budgets count from the start of the run.
With N ranks each takes batch / N of the streams; DDP averages the gradients, which is then the
gradient of the mean loss over all the streams, as one process computes it.
"""
import argparse
import contextlib
import hashlib
import json
import math
import os
import re
import shutil
import struct
import sys
import time
from datetime import datetime, timezone

import torch
import torch.distributed as dist

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import __MODEL_MODULE__ as exported  # noqa: E402

TEMPLATE = os.path.join(HERE, "rnnc-checkpoint")


def tokenize(text, vocab):
    """rnnc's tokenisation: characters, or words split on white space with <eos> after each line."""
    ids = {t: i for i, t in enumerate(vocab["tokens"])}
    if vocab["kind"] == "char":
        bad = sorted(set(c for c in text if c not in ids))
        if bad:
            raise SystemExit("the text has characters outside the vocabulary: %r" % "".join(bad[:20]))
        return torch.tensor([ids[c] for c in text], dtype=torch.int64)
    unk = ids.get("<unk>")
    out = []
    lines = text.split("\\n")
    for line in lines[:-1] if text.endswith("\\n") else lines:
        for w in re.split(r"\\s+", line):
            if w:
                if w not in ids and unk is None:
                    raise SystemExit("the word %r is outside the vocabulary, which has no <unk>" % w)
                out.append(ids.get(w, unk))
        out.append(ids["<eos>"])
    return torch.tensor(out, dtype=torch.int64)


def make_optimizer(kind, params, lr, wd, momentum):
    o = torch.optim
    if kind in ("sgd", "nt-asgd"):  # nt-asgd: SGD's steps, the averaging beside them (Averaging)
        return o.SGD(params, lr=lr, weight_decay=wd)
    if kind in ("momentum", "nesterov"):
        return o.SGD(params, lr=lr, weight_decay=wd, momentum=momentum or 0.9, nesterov=kind == "nesterov")
    if kind == "adagrad":
        return o.Adagrad(params, lr=lr, weight_decay=wd, eps=1e-10)
    if kind == "rmsprop":
        return o.RMSprop(params, lr=lr, weight_decay=wd, alpha=0.99, eps=1e-8, momentum=momentum or 0)
    if kind == "adam":
        return o.Adam(params, lr=lr, weight_decay=wd, betas=(0.9, 0.999), eps=1e-8)
    raise SystemExit("--optimizer must be sgd, momentum, nesterov, adagrad, rmsprop, adam or nt-asgd, not %r" % kind)


DEFAULT_LR = {"adam": 2e-3, "sgd": 1e-3, "nt-asgd": 1e-3, "momentum": 1e-3, "nesterov": 1e-3, "adagrad": 1e-2, "rmsprop": 1e-2}


${RUN_IO_PY}


${AVERAGING_PY}

${RESUME_PY}

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", help="training text (UTF-8), tokenised with the export's vocabulary (default with --resume: the run's)")
    p.add_argument("--valid", help="text to validate on at epoch ends, --eval-every steps and the end (rnnc eval's protocol)")
    p.add_argument("--eval-batch", type=int, default=16, help="streams of the evaluation (rnnc eval --batch)")
    p.add_argument("--batch", type=int, help="parallel streams in all (divided among the ranks; default 20)")
    p.add_argument("--bptt", type=int, help="steps per window (default 35)")
    p.add_argument("--steps", type=int, help="optimizer steps (default: one epoch)")
    p.add_argument("--epochs", type=int)
    p.add_argument("--minutes", type=float, help="stop after this many minutes of training, validation included (counted from the start of this call, as rnnc train --minutes)")
    p.add_argument("--optimizer", help="sgd, momentum, nesterov, adagrad, rmsprop, adam (default) or nt-asgd")
    p.add_argument("--nonmono", type=int, help="nt-asgd: average the weights from the first validation worse than the best before the last n (default 5)")
    p.add_argument("--average-at", type=float, help="average the weights from this fraction of the budget on (rnnc train --average-at): nt-asgd unless validation triggered it first; any other optimizer: tail averaging beside its own steps")
    p.add_argument("--eval-every", type=int, help="also validate every this many steps (default: at epoch ends only), as rnnc train --eval-every")
    p.add_argument("--lr", type=float)
    p.add_argument("--clip", type=float, help="global-norm clip of the (scaled) gradient; 0: off (default 5)")
    p.add_argument("--weight-decay", type=float)
    p.add_argument("--momentum", type=float)
    p.add_argument("--loss-scale", choices=["mean", "sum"])
    p.add_argument("--lr-schedule", choices=["constant", "decay", "plateau", "cosine"], help="decay: lr x --lr-decay each epoch after --decay-after; plateau: lr x --lr-decay after an epoch whose validation did not improve; cosine: every step, down a half cosine to --lr-decay x lr at the budget's end (rnnc's)")
    p.add_argument("--lr-decay", type=float, help="the factor of --lr-schedule decay (default 0.5) or plateau (default 0.25); cosine: the final rate as a fraction of --lr (default 0.1)")
    p.add_argument("--decay-after", type=int, help="epochs at the initial rate before decay starts (default 4)")
    p.add_argument("--seed", type=int, help="seed of the dropout masks (default 0)")
    p.add_argument("--resume", help="an rnnc checkpoint directory to continue: a run of rnnc train or of train.py goes on where it stopped (its settings, optimizer state and carried states); other checkpoints give their weights")
    p.add_argument("--log-every", type=int, help="print the loss every this many steps (default: 10 lines)")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    p.add_argument("--threads", type=int, default=1, help="torch threads per rank")
    p.add_argument("--out", required=True, help="the rnnc checkpoint directory to write")
    p.add_argument("--nproc", type=int, default=1, help="DDP ranks on this machine, started here with torch.multiprocessing (instead of torchrun)")
    a = p.parse_args()
    if a.minutes is not None and not a.minutes > 0:
        raise SystemExit("train.py: --minutes must be > 0 (got %s)" % a.minutes)
    if a.average_at is not None and not 0 <= a.average_at <= 1:
        raise SystemExit("train.py: --average-at must be a fraction of the budget in [0, 1] (got %s)" % a.average_at)
    # The run to continue (None: start one, from the weights of --resume or of the export).
    a.run = recorded_run(a.resume) if a.resume else None
    settle_options(a, a.run)
    ranges = {"decay": ("(0, 1]", lambda x: 0 < x <= 1), "plateau": ("(0, 1)", lambda x: 0 < x < 1), "cosine": ("[0, 1]", lambda x: 0 <= x <= 1)}
    if a.lr_schedule in ranges and not ranges[a.lr_schedule][1](a.lr_decay):
        raise SystemExit("train.py: --lr-decay must be in %s for --lr-schedule %s (got %s)" % (ranges[a.lr_schedule][0], a.lr_schedule, a.lr_decay))
    if a.average_at is None and a.run is not None and a.run.get("average_at") is not None:
        a.average_at = a.run["average_at"]  # like a budget, it may be given anew
    if a.nproc > 1 and "RANK" not in os.environ:
        import socket

        import torch.multiprocessing as mp

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        mp.spawn(spawned, args=(a, port), nprocs=a.nproc)
    else:
        run(a)


def spawned(rank, a, port):
    """One rank started by --nproc: the environment torchrun would give it."""
    os.environ.update({"RANK": str(rank), "LOCAL_RANK": str(rank), "WORLD_SIZE": str(a.nproc), "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port)})
    run(a)


def run(a):
    distributed = "RANK" in os.environ and int(os.environ.get("WORLD_SIZE", "1")) > 1
    if distributed:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    rank, world = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed * 1000003 + rank)
    if a.batch % world:
        raise SystemExit("--batch %d is not divisible by the %d ranks" % (a.batch, world))
    template = a.resume or TEMPLATE
    with open(os.path.join(template, "vocab.json")) as f:
        vocab = json.load(f)
    dtype = torch.float64 if a.dtype == "float64" else torch.float32
    model = exported.load(os.path.join(template, "model.safetensors"), dtype)
    if len(vocab["tokens"]) != exported.VOCAB:
        raise SystemExit("%s: %d tokens, the model has vocab %d" % (template, len(vocab["tokens"]), exported.VOCAB))
    with open(a.data, encoding="utf-8") as f:
        text = f.read()
    run_ = a.run
    if run_ is not None and run_["split"] is not None:
        text, held_out = split_text(text, run_["split"])  # the run validated on the end of its text
        if a.valid is None:
            a.held_out = held_out
    tokens = tokenize(text, vocab)
    held_out = getattr(a, "held_out", None)
    if a.valid:
        with open(a.valid, encoding="utf-8") as f:
            held_out = f.read()
    B, T = a.batch, a.bptt
    L = len(tokens) // B
    count = (L - 1) // T
    if count < 1:
        raise SystemExit("%s has %d tokens, fewer than one window needs (batch %d x (bptt %d + 1))" % (a.data, len(tokens), B, T))
    mine = range(rank * B // world, (rank + 1) * B // world)
    # This rank's streams, [L, B / world]: stream b is tokens[b*L : (b+1)*L].
    streams = torch.stack([tokens[b * L : (b + 1) * L] for b in mine], dim=1)
    # With CUDA: one GPU per rank (LOCAL_RANK), NCCL between them; otherwise the CPU and gloo.
    device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0"))) if torch.cuda.is_available() else torch.device("cpu")
    model.to(device)
    streams = streams.to(device)
    # Every rank validates (the same text, the same result): nt-asgd's trigger must agree everywhere.
    vt = tokenize(held_out, vocab).to(device) if held_out else None
    net = torch.nn.parallel.DistributedDataParallel(model, device_ids=[device] if device.type == "cuda" else None) if distributed else model
    opt = make_optimizer(a.optimizer, model.parameters(), a.lr, a.weight_decay, a.momentum)
    # Steps and epochs count from the start of the run, minutes from the start of this call, as rnnc train's do.
    total = a.steps if a.steps is not None else a.epochs * count if a.epochs is not None else None if a.minutes is not None else count
    start, opt_start, states, seconds_before = 0, 0, None, 0.0
    # The average of the weights: nt-asgd's (its trigger), or tail averaging of any optimizer from --average-at on.
    avg = Averaging(model, a.nonmono) if a.optimizer == "nt-asgd" or a.average_at is not None else None
    plateau = Plateau(a.lr, a.lr_decay, run_ and run_["schedule"]) if a.lr_schedule == "plateau" else None
    # cosine: the budget spent where the resumed run stopped (a --minutes call goes on from it, as rnnc's)
    p0 = ((run_ and run_["schedule"]) or {}).get("progress") or 0.0
    spent = p0
    if run_ is not None:
        start, seconds_before = run_["step"], run_["seconds"]
        same = run_["windows"] == count if run_["by"] == "train.py" else run_["epoch"] * count + run_["epoch_step"] == start
        if not same:
            raise SystemExit("%s now gives %d windows per epoch (batch %d, bptt %d), not the run's: the text changed since the run" % (a.data, count, B, T))
        if total is not None and start >= total:
            raise SystemExit("the run is at step %d already; give a budget beyond it (--steps, --epochs count from the start of the run)" % start)
        opt_start, carried = restore_run(run_, a, model, opt, mine, avg)
        states = carried if start % count else None
        if rank == 0:
            print("resuming the run of %s in %s at step %d (epoch %d, window %d of %d): its %s state (%s, step %d) and carried states" % (run_["by"], a.resume, start, start // count + 1, start % count + 1, count, a.optimizer, ", ".join(optimizer_buffers(a.optimizer, a.momentum)) or "no buffers", opt_start), flush=True)
            if run_.get("matmul", "float32") != "float32":
                # rnnc's --matmul bf16 rounds the products' inputs on CPUs with AVX512-BF16; PyTorch here multiplies in float32
                print("the run multiplied in %s (rnnc train --matmul %s); train.py continues it in float32" % (run_["matmul"], run_["matmul"]), flush=True)
    scale = T if a.loss_scale == "sum" else 1
    every = a.log_every or max(1, ((total if total is not None else start + count) - start) // 10)
    model.train()
    started = time.time()
    step = start
    while total is None or step < total:
        if a.minutes is not None:
            # Rank 0's clock decides, so every rank stops (and starts averaging) after the same step.
            clock = torch.tensor([time.time() - started], dtype=torch.float64, device=device)  # NCCL broadcasts GPU tensors only
            if distributed:
                dist.broadcast(clock, 0)
            elapsed = clock.item()
            if elapsed >= a.minutes * 60:
                break
        i = step % count
        if i == 0:
            states = None  # each epoch starts from zero states
        # The masks all streams share (embedding rows, weight drop): the same on every rank, by window.
        model.shared_generator = torch.Generator().manual_seed(a.seed * 1000003 + step)
        if a.lr_schedule == "cosine":
            spent = max(step / total if total is not None else 0.0, p0 + (1 - p0) * elapsed / (a.minutes * 60) if a.minutes is not None else 0.0)
        lr = plateau.lr if plateau is not None else cosine_lr(a, spent) if a.lr_schedule == "cosine" else lr_of_epoch(a, step // count)
        for group in opt.param_groups:
            group["lr"] = lr
        w = streams[i * T : i * T + T + 1]
        targets = model.window_targets(w, states)  # read before the forward: a model with token history reads the carried one
        lp, states = net(w[:-1], states, targets)  # each target's log-probability (an adaptive softmax computes only the head and the targets' clusters)
        loss = model.target_loss(lp)  # what rnnc reports; the gradient is of loss + the ar/tar penalty, as in rnnc
        opt.zero_grad()
        (loss + model.penalty).backward()  # DDP: the gradients are averaged over the ranks here
        states = model.detach_states(states)
        grads = [q.grad for q in model.parameters() if q.grad is not None]
        norm = scale * torch.sqrt(sum((g.double() ** 2).sum() for g in grads)).item()
        f = scale * (a.clip / norm if a.clip > 0 and norm > a.clip else 1.0)
        if f != 1.0:
            for g in grads:
                g.mul_(f)
        opt.step()
        if avg is not None:
            avg.after_step(opt_start + step + 1 - start)
            # --average-at: the switch after this step when the budget's fraction is spent, before its validation, as rnnc's.
            progress = max((step + 1) / total if total is not None else 0.0, elapsed / (a.minutes * 60) if a.minutes is not None else 0.0)
            if a.average_at is not None and avg.t0 is None and progress >= a.average_at:
                avg.start(opt_start + step + 1 - start)
                if rank == 0:
                    print("%d %% of the budget is spent (--average-at %g); averaging the weights from step %d" % (round(a.average_at * 100), a.average_at, step + 2), flush=True)  # rnnc's words
        if distributed:
            loss = loss.detach().clone()
            dist.all_reduce(loss)
            loss /= world
        if rank == 0 and ((step + 1) % every == 0 or step + 1 == total):
            budget = "/%d" % total if total is not None else ""  # --minutes alone: the clock is the budget
            clock = "%.1f s%s" % (time.time() - started, " of %g min" % a.minutes if a.minutes is not None else "")
            print("step %d%s  loss %.6f  grad norm %.4f  %s" % (step + 1, budget, loss.item(), norm, clock), flush=True)
        # Validation at epoch ends and every --eval-every steps, as rnnc's (nt-asgd's trigger reads it).
        validated = None
        if vt is not None and ((step + 1) % count == 0 or (a.eval_every and (step + 1) % a.eval_every == 0)):
            with avg.eval_weights() if avg is not None else contextlib.nullcontext():
                nll, _ = evaluate(model, vt, a.eval_batch, T)
            averaged = avg is not None and avg.ax is not None
            if a.optimizer == "nt-asgd" and avg.update(nll, opt_start + step + 1 - start) and rank == 0:
                print("nt-asgd: validation %.6f is worse than the best before the last %d; averaging the weights from step %d" % (nll, a.nonmono, step + 2), flush=True)
            if rank == 0:
                print("step %d: valid loss %.6f%s" % (step + 1, nll, " (averaged weights)" if averaged else ""), flush=True)
            validated = nll
        if plateau is not None and (step + 1) % count == 0:
            plateau.end_epoch(validated)  # after the epoch's validation, as rnnc's schedule steps
        step += 1
    total = step  # where the run stopped (the budget reached)
    # Every rank takes part in gathering the carried states; rank 0 writes them.
    carried = gather_states(states if states is not None else model.initial_states(B // world), distributed, world)
    if rank == 0:
        secs = time.time() - started
        done = total - start
        print("trained %d steps on %d rank(s): %d tokens in %.1f s (%.0f tokens/s)" % (done, world, done * B * T, secs, done * B * T / secs), flush=True)
        record = {
            "data": os.path.abspath(a.data),
            "valid": os.path.abspath(a.valid) if a.valid else None,
            "split": run_["split"] if run_ is not None else None,
            "kind": vocab["kind"],
            "batch": B,
            "bptt": T,
            "optimizer": a.optimizer,
            "lr": a.lr,
            "lr_schedule": a.lr_schedule,
            "lr_decay": a.lr_decay,
            "decay_after": a.decay_after,
            "clip": a.clip,
            "weight_decay": a.weight_decay,
            "momentum": a.momentum,
            "loss_scale": a.loss_scale,
            "seed": a.seed,
            "eval_batch": a.eval_batch,
            "eval_every": a.eval_every,
            "nonmono": a.nonmono,
            "schedule": plateau.state(total // count) if plateau is not None else {"epoch": total // count, "lr": cosine_lr(a, spent), "best": None, "bad": 0, "progress": spent} if a.lr_schedule == "cosine" else None,
            "average_at": a.average_at,
            "nonmono_logs": avg.logs_json() if a.optimizer == "nt-asgd" else None,
            "average_from": avg.t0 if avg is not None else None,
            "step": total,
            "optimizer_step": opt_start + total - start,
            "windows_per_epoch": count,
            "seconds": seconds_before + secs,
            "ranks": world,
            "dtype": a.dtype,
        }
        # Once averaging: the checkpoint's weights are ax, the raw ones go beside the buffers (as rnnc saves).
        with avg.eval_weights() if avg is not None else contextlib.nullcontext() as raw:
            tensors = trainer_tensors(model, opt, carried)
            if raw is not None:
                tensors.update({"ax/" + n: v for n, v in avg.ax.items()})
                tensors.update({"raw/" + n: v for n, v in raw.items()})
            write_checkpoint(model, a.out, template, record, tensors)
            print("wrote rnnc checkpoint %s" % a.out, flush=True)
            if vt is not None:
                nll, n = evaluate(model, vt, a.eval_batch)
                print("valid: %d tokens, loss %.10f, perplexity %.10f" % (n, nll, math.exp(nll)), flush=True)
    if distributed:
        dist.destroy_process_group()
        # torch 1.13 can deadlock at exit destroying DDP's reducer (its gloo thread waits for
        # the GIL the destructor holds): everything is written, so leave without destructors.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)


if __name__ == "__main__":
    main()
`;
