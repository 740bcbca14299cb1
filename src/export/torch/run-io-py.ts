// The part of train.py that reads and writes outside the training step: rnnc eval's
// evaluation protocol, the carried states gathered from the ranks, and the rnnc checkpoint
// directory (weights, vocabulary, config.json with the run's record, the optimizer buffers
// and carried states in torch-trainer.safetensors). Plain Python text, spliced into TRAIN_PY.
export const RUN_IO_PY = `def evaluate(model, tokens, B, T=64):
    """rnnc eval's protocol: B streams overlapping by one token, state carried through each, no dropout."""
    model.eval()
    L = (len(tokens) - 1) // B
    streams = torch.stack([tokens[b * L : b * L + L + 1] for b in range(B)], dim=1)
    states, total = None, 0.0
    with torch.no_grad():
        for s in range(0, L, T):
            w = streams[s : min(s + T, L) + 1]
            targets = model.window_targets(w, states)
            lp, states = model(w[:-1], states, targets)
            total += model.target_loss(lp.double()).item() * w[1:].numel()
    model.train()
    return total / (B * L), B * L


def gather_states(states, distributed, world):
    """The carried states of all B streams, [B, size] each: every rank's slice of the streams, in rank order."""
    out = {}
    for name in exported.STATES:
        v = states[name].detach().contiguous()
        if distributed:
            parts = [torch.zeros_like(v) for _ in range(world)]
            dist.all_gather(parts, v)
            v = torch.cat(parts, 0)
        out[name] = v
    return out


def trainer_tensors(model, opt, carried):
    """The optimizer's buffers under rnnc's keys (buffer/param, PyTorch's buffer names, as rnnc's optimizer.safetensors) and the carried states (carried/state)."""
    names = {id(p): n for n, p in model.named_parameters()}
    out = {}
    for p, st in opt.state.items():
        for buf, v in st.items():
            if buf != "step" and torch.is_tensor(v) and tuple(v.shape) == tuple(p.shape):
                out["%s/%s" % (buf, names[id(p)])] = v
    for name, v in carried.items():
        out["carried/" + name] = v
    return out


TRAINER_FILE = "torch-trainer.safetensors"


def write_checkpoint(model, out, template, record=None, tensors=None):
    """An rnnc checkpoint: the template's config.json and vocab.json, these weights, the digest updated.
    With record (this run's settings and position) and tensors (optimizer buffers and carried states):
    what rnnc train --resume needs to continue the run, in config.json's "torch" section and TRAINER_FILE."""
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(template, "config.json")) as f:
        config = json.load(f)
    weights = os.path.join(out, "model.safetensors")
    model.save_rnnc(weights, {"model": config["model"]["name"]})
    with open(weights, "rb") as f:
        config["files"]["model.safetensors"] = hashlib.sha256(f.read()).hexdigest()
    if os.path.abspath(template) != os.path.abspath(out):
        shutil.copyfile(os.path.join(template, "vocab.json"), os.path.join(out, "vocab.json"))
    # No rnnc trainer state or optimizer file: rnnc train --resume reads the "torch" section instead.
    config["files"] = {k: v for k, v in config["files"].items() if k in ("model.safetensors", "vocab.json")}
    config.update({"step": None, "train": None, "trainer": None})
    config.pop("torch", None)
    if record is not None:
        path = os.path.join(out, TRAINER_FILE)
        meta = {"kind": record["optimizer"], "step": record["optimizer_step"]}
        if record.get("average_from") is not None:
            meta["average_from"] = record["average_from"]
        exported.write_safetensors(path, tensors, meta)
        with open(path, "rb") as f:
            config["files"][TRAINER_FILE] = hashlib.sha256(f.read()).hexdigest()
        config["torch"] = record
    elif os.path.exists(os.path.join(out, TRAINER_FILE)):
        os.remove(os.path.join(out, TRAINER_FILE))
    config["saved"] = datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
    with open(os.path.join(out, "config.json.tmp"), "w") as f:
        f.write(json.dumps(config, indent=2) + "\\n")
    os.replace(os.path.join(out, "config.json.tmp"), os.path.join(out, "config.json"))
`;
