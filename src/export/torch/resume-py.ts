// The part of train.py that continues a recorded run (`--resume CKPT`): it reads the run from
// a checkpoint of `rnnc train` (config.json's "train", "trainer" and "data";
// optimizer.safetensors: buffers `buffer/param` under PyTorch's names, the optimizer's step
// in its metadata, the carried states `carried/state`) or of train.py itself (config.json's
// "torch"; torch-trainer.safetensors, the same keys), takes the run's settings for the
// options not given and refuses the ones given with another value, naming each (as
// `rnnc train --resume` does), and puts the optimizer buffers, step count and carried states
// back where the run left them. Plain Python text, spliced into TRAIN_PY.
export const RESUME_PY = `# ---- --resume: continuing a recorded run (of rnnc train or of this script) ----

# The options a resumed run takes from the run; given again, they must have the run's value.
RUN_OPTIONS = ("data", "valid", "batch", "bptt", "optimizer", "lr", "clip", "weight_decay", "momentum", "nonmono", "loss_scale", "lr_schedule", "lr_decay", "decay_after", "seed")
# Their values when neither the command line nor a resumed run gives them (lr: DEFAULT_LR).
DEFAULTS = {"batch": 20, "bptt": 35, "optimizer": "adam", "clip": 5.0, "weight_decay": 0.0, "loss_scale": "mean", "lr_schedule": "constant", "lr_decay": 0.5, "decay_after": 4, "seed": 0, "nonmono": 5}


def _sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _member(ckpt, config, name):
    """A file of the checkpoint, checked against the SHA-256 config.json records for it (as rnnc checks it)."""
    path = os.path.join(ckpt, name)
    if not os.path.exists(path):
        raise SystemExit("%s: %s is missing, so the optimizer state and carried states of the run are not there" % (ckpt, name))
    want = (config.get("files") or {}).get(name)
    if want is not None and _sha256(path) != want:
        raise SystemExit("%s: %s does not belong with the other files of this checkpoint (its SHA-256 differs from the one config.json records)" % (ckpt, name))
    return path


def recorded_run(ckpt):
    """The run a checkpoint records: None when it holds weights only, else its settings (under
    train.py's option names), its position and the file of its optimizer buffers and carried states."""
    with open(os.path.join(ckpt, "config.json")) as f:
        config = json.load(f)
    r = config.get("torch")
    if r:
        settings = {k: r.get(k) for k in RUN_OPTIONS}
        settings.update(lr_schedule=r.get("lr_schedule", "constant"), lr_decay=r.get("lr_decay", DEFAULTS["lr_decay"]), decay_after=r.get("decay_after", DEFAULTS["decay_after"]), nonmono=r.get("nonmono", DEFAULTS["nonmono"]))
        return {"by": "train.py", "settings": settings, "schedule": r.get("schedule"), "average_at": r.get("average_at"), "split": r.get("split"), "eval_every": r.get("eval_every") or 0, "logs": r.get("nonmono_logs") or [], "step": r["step"], "seconds": r.get("seconds", 0.0), "windows": r["windows_per_epoch"], "file": _member(ckpt, config, TRAINER_FILE)}
    t, s, d = config.get("train"), config.get("trainer"), config.get("data")
    if not (t and s and d):
        return None
    sched = t.get("schedule") or {"kind": "constant"}
    if sched["kind"] == "plateau" and (sched.get("patience") or sched.get("threshold") or sched.get("minLr")):
        raise SystemExit("%s: the run's plateau schedule has a patience, threshold or floor, which train.py does not take; continue it with rnnc train --resume" % ckpt)
    if t.get("shiftWindows"):
        raise SystemExit("%s: the run shifts its windows each epoch (rnnc train --shift-windows), which train.py does not; continue it with rnnc train --resume" % ckpt)
    if t.get("averageWindow") is not None:
        raise SystemExit("%s: the run averages over a moving window (rnnc train --average-window), which train.py does not; continue it with rnnc train --resume" % ckpt)
    hyper = t.get("hyper") or {}
    other = sorted(k for k in hyper if k != "momentum")
    if other:
        raise SystemExit("%s: the run sets optimizer settings train.py does not take (%s)" % (ckpt, ", ".join(other)))
    settings = {
        "data": d.get("train"), "valid": d.get("valid"), "batch": t["batch"], "bptt": t["bptt"], "optimizer": t["optimizer"], "lr": t["lr"],
        "clip": t["clip"], "weight_decay": t["weightDecay"], "momentum": hyper.get("momentum"), "loss_scale": t["lossScale"],
        "lr_schedule": sched["kind"], "lr_decay": sched.get("factor", sched.get("final", DEFAULTS["lr_decay"])), "decay_after": sched.get("after", DEFAULTS["decay_after"]), "seed": t["seed"],
        "nonmono": t.get("nonmono", DEFAULTS["nonmono"]),
    }
    logs = (s.get("nonmono") or {}).get("logs", [])
    return {"by": "rnnc train", "settings": settings, "schedule": s.get("schedule"), "average_at": t.get("averageAt"), "split": None if d.get("valid") else d.get("split"), "eval_every": t.get("evalEvery") or 0, "logs": logs, "step": s["step"], "epoch": s["epoch"], "epoch_step": s["epochStep"], "seconds": s.get("seconds", 0.0), "matmul": t.get("matmul", "float32"), "file": _member(ckpt, config, "optimizer.safetensors")}


def _shown(v):
    return "none recorded" if v is None else v if isinstance(v, str) else json.dumps(v)


def settle_options(a, run):
    """The run's settings for the options not given; the defaults without a run. Refuses, naming
    each, an option given with another value than the run's."""
    changed = []
    for k in RUN_OPTIONS:
        given = getattr(a, k)
        if run is None:
            if given is None and k in DEFAULTS:
                # rnnc's plateau divides by 4; its cosine ends at a tenth of the rate
                setattr(a, k, {"plateau": 0.25, "cosine": 0.1}.get(a.lr_schedule, DEFAULTS[k]) if k == "lr_decay" else DEFAULTS[k])
            continue
        has = run["settings"][k]
        if given is None:
            setattr(a, k, has)
            continue
        if k == "data" and has is None:
            continue  # rnnc's bundled text: its path is not recorded, so the one given is taken
        value = os.path.abspath(given) if k in ("data", "valid") else given
        if value != has:
            changed.append("--%s %s (the run has %s)" % (k.replace("_", "-"), given, _shown(has)))
    if changed:
        raise SystemExit("train.py: --resume continues the run %s recorded in %s; these options differ from it: %s" % (run["by"], a.resume, ", ".join(changed)))
    if a.data is None:
        raise SystemExit("train.py: the run trained on rnnc's bundled tiny Shakespeare, whose path it does not record: give it with --data" if run else "train.py: --data is required (or --resume a checkpoint that records its run)")
    if a.lr is None:
        a.lr = DEFAULT_LR.get(a.optimizer, 1e-3)
    if a.eval_every is None:
        a.eval_every = run["eval_every"] if run else 0


def split_text(text, fraction):
    """rnnc's --split: the first fraction of the text and the rest, counted in UTF-16 units as JavaScript counts them."""
    units = text.encode("utf-16-le")
    at = math.floor(len(units) // 2 * fraction)
    if at > 0 and 0xD800 <= int.from_bytes(units[2 * at - 2 : 2 * at], "little") <= 0xDBFF:
        at += 1  # never split a surrogate pair
    return units[: 2 * at].decode("utf-16-le"), units[2 * at :].decode("utf-16-le")


def lr_of_epoch(a, epoch):
    """The learning rate of (0-based) epoch: constant, or rnnc's decay, lr * decay^max(0, epoch + 1 - after)."""
    return a.lr * a.lr_decay ** max(0, epoch + 1 - a.decay_after) if a.lr_schedule == "decay" else a.lr


def cosine_lr(a, p):
    """rnnc's --lr-schedule cosine at the fraction p of the budget spent: lr * (final + (1 - final) * (1 + cos(pi p)) / 2), final = --lr-decay."""
    p = min(1.0, max(0.0, p))
    return a.lr * (a.lr_decay + (1 - a.lr_decay) * (1 + math.cos(math.pi * p)) / 2)


class Plateau:
    """rnnc's --lr-schedule plateau (runtime/optim/schedule.ts, patience 0): after an epoch whose
    validation loss is not below the best so far (or that had none), lr <- lr * factor."""

    def __init__(self, lr, factor, state=None):
        self.factor = factor
        self.lr, self.best, self.bad = (state["lr"], state.get("best"), state.get("bad", 0)) if state else (lr, None, 0)

    def end_epoch(self, loss):
        if loss is not None and math.isfinite(loss) and (self.best is None or loss < self.best):
            self.best, self.bad = loss, 0
        else:
            self.lr, self.bad = self.lr * self.factor, 0

    def state(self, epoch):
        return {"epoch": epoch, "lr": self.lr, "best": self.best, "bad": self.bad}


def optimizer_buffers(kind, momentum):
    """The buffers each optimizer keeps, by PyTorch's names (rnnc's stateNames)."""
    return {"momentum": ["momentum_buffer"], "nesterov": ["momentum_buffer"], "adagrad": ["sum"], "adam": ["exp_avg", "exp_avg_sq"], "rmsprop": ["square_avg"] + (["momentum_buffer"] if momentum else [])}.get(kind, [])


def _metadata(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(n)).get("__metadata__", {})


def restore_run(run, a, model, opt, mine, avg=None):
    """Puts the recorded optimizer buffers and step count into opt (this rank's parameters are all of
    them), nt-asgd's trigger log and the average into avg (the raw weights into the model, whose
    loaded ones are the average), and returns the optimizer's step and this rank's slice of the carried states."""
    path = run["file"]
    tensors = exported.read_safetensors(path)
    meta = _metadata(path)
    if meta.get("kind") != a.optimizer:
        raise SystemExit("%s: holds the state of optimizer %s, the run's is %s" % (path, meta.get("kind"), a.optimizer))
    step = int(meta.get("step", run["step"]))
    want = optimizer_buffers(a.optimizer, a.momentum)
    average_from = int(meta["average_from"]) if "average_from" in meta else None
    if average_from is not None and avg is None:
        raise SystemExit("%s: the run averages the weights from step %d (rnnc train --average-at) but records no --average-at" % (path, average_from))
    if avg is not None:
        avg.logs = [float("nan") if v is None else v for v in run["logs"]]
        if average_from is not None and average_from == step:
            avg.t0, avg.ax = average_from, None  # switched after the run's last step: nothing averaged yet
        elif average_from is not None:
            avg.t0 = average_from
            avg.ax = {}
            for name, p in model.named_parameters():
                for b in ("ax", "raw"):
                    t = tensors.get("%s/%s" % (b, name))
                    if t is None or t.numel() != p.numel():
                        raise SystemExit("%s: averages the weights but has no %s of %s" % (path, b, name))
                with torch.no_grad():
                    p.copy_(tensors["raw/" + name].reshape(p.shape))
                avg.ax[name] = tensors["ax/" + name].reshape(p.shape).to(dtype=p.dtype, device=p.device).clone()
            want = want + ["ax", "raw"]
    got = sorted(set(k.split("/", 1)[0] for k in tensors if not k.startswith("carried/")))
    if got != sorted(want):
        raise SystemExit("%s: %s keeps the buffers [%s], the file has [%s]" % (path, a.optimizer, ", ".join(want), ", ".join(got)))
    for name, p in model.named_parameters():
        st = {}
        for b in want:
            if b in ("ax", "raw"):
                continue
            t = tensors.get("%s/%s" % (b, name))
            if t is None or t.numel() != p.numel():
                raise SystemExit("%s: no %s of %s (%d values)" % (path, b, name, p.numel()))
            st[b] = t.reshape(p.shape).to(dtype=p.dtype, device=p.device).clone()
        # PyTorch 1.13 counts Adam's and Adagrad's steps in a tensor, RMSprop's in an int.
        if a.optimizer in ("adam", "adagrad"):
            st["step"] = torch.tensor(float(step))
        elif a.optimizer == "rmsprop":
            st["step"] = step
        if st:
            opt.state[p] = st
    p = next(model.parameters())
    states = {}
    for name, shape in exported.STATES.items():
        t = tensors.get("carried/" + name)
        size = math.prod(shape)
        if t is None or t.numel() != a.batch * size:
            raise SystemExit("%s: no carried state %r of %d x %d values" % (path, name, a.batch, size))
        states[name] = t.reshape(a.batch, *shape)[mine.start : mine.stop].to(dtype=p.dtype, device=p.device).clone()
    return step, states
`;
