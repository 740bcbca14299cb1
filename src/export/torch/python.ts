// The fixed parts of the generated Python: a safetensors reader and writer (so that Debian's
// python3-torch alone suffices: no numpy, no safetensors package), and the module's helpers.

/** Module-level functions of model.py. */
export const SAFETENSORS_PY = `_DTYPES = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "I32": torch.int32}


def read_safetensors(path):
    """The tensors of a .safetensors file (u64 LE header length, JSON header, raw little-endian data)."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        dtype = _DTYPES[info["dtype"]]
        raw = bytearray(data[8 + n + a : 8 + n + b])
        t = torch.frombuffer(raw, dtype=dtype) if raw else torch.zeros(0, dtype=dtype)
        out[name] = t.reshape(info["shape"])
    return out


def write_safetensors(path, tensors, metadata=None):
    """Writes float32 tensors (rnnc's checkpoint dtype) in the safetensors layout."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    for name, t in tensors.items():
        raw = t.detach().to(torch.float32).contiguous().cpu().reshape(-1).numpy().tobytes() if _HAVE_NUMPY else _f32_bytes(t)
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(header).encode()
    head += b" " * ((8 - len(head) % 8) % 8)
    with open(path + ".tmp", "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head + b"".join(blobs))
    os.replace(path + ".tmp", path)


def _f32_bytes(t):
    flat = t.detach().to(torch.float32).contiguous().cpu().reshape(-1)
    return struct.pack("<%df" % flat.numel(), *flat.tolist())


try:
    import numpy  # noqa: F401  (only to write tensors faster)

    _HAVE_NUMPY = True
except ImportError:
    _HAVE_NUMPY = False
`;

/** Methods of the generated nn.Module besides __init__ and forward. */
export const METHODS_PY = `    def initial_states(self, B):
        """Zero states for B streams, by rnnc's state names."""
        p = next(self.parameters())
        return {name: torch.zeros(B, *shape, dtype=p.dtype, device=p.device) for name, shape in STATES.items()}

    def detach_states(self, states):
        """Truncated BPTT: the next window starts from these values but does not backpropagate into this one.
        A reversed layer's state starts every window from zeros, as in rnnc."""
        return {k: (torch.zeros_like(v) if k in REVERSED else v.detach()) for k, v in states.items()}

    # Where training draws its dropout masks: None, at random (0 or 1/(1-p) per entry); a test may
    # set a function (kind, key, shape) -> tensor to give them (rnnc's, for a parity check).
    mask_source = None
    # The ar/tar penalty of the last training forward (the mean over its steps), else 0.
    penalty = 0.0

    # The generator of the masks every stream shares (embedding rows, weight drop): train.py seeds
    # it alike on every DDP rank for each window, so that all ranks drop the same rows and weights.
    shared_generator = None

    def _draw(self, kind, key, shape, p):
        w = next(self.parameters())
        if self.mask_source is not None:
            return self.mask_source(kind, key, tuple(shape)).to(dtype=w.dtype, device=w.device)
        if kind in ("rows", "weight_drop") and self.shared_generator is not None:
            keep = torch.rand(*shape, generator=self.shared_generator, dtype=torch.float64) >= p
            return (keep.to(w.dtype) / (1 - p)).to(w.device)
        return F.dropout(torch.ones(*shape, dtype=w.dtype, device=w.device), p, True)

    def _dropout_mask(self, B, shape, p, key=None):
        """dropout: 0 or 1/(1-p) per entry, drawn per stream and step, when training; 1 otherwise."""
        if not self.training or p == 0:
            return 1.0
        return self._draw("dropout", key, (B, *shape), p)

    def _adaptive_log_probs(self, z, u, cutoffs):
        """adaptive_cross_entropy's log-probability of every word (Grave et al.): the head's log-softmax over
        the words before cutoffs[0] and one logit per tail cluster, then each cluster's own plus its head entry."""
        c1 = cutoffs[0]
        head = torch.log_softmax(torch.cat([z[..., :c1], u], -1), -1)
        ends = list(cutoffs[1:]) + [z.shape[-1]]
        parts = [head[..., :c1]]
        for k, (a, e) in enumerate(zip(cutoffs, ends)):
            parts.append(torch.log_softmax(z[..., a:e], -1) + head[..., c1 + k:c1 + k + 1])
        return torch.cat(parts, -1)

    @staticmethod
    def _check_targets(targets, T, B):
        """forward()'s targets are int64 of shape [T, B], or [K, T, B] (K target positions, as window_targets() gives for len(TARGETS) > 1)."""
        if targets.dim() not in (2, 3) or tuple(targets.shape[-2:]) != (T, B) or targets.dtype != torch.int64:
            raise ValueError(f"targets must be int64 of shape [{T}, {B}] or [K, {T}, {B}] (window_targets() of the window), not {targets.dtype} {list(targets.shape)}")

    @staticmethod
    def _target_log_probs(log_probs, targets):
        """The log-probability of each target, shaped as targets ([T, B] or [K, T, B]); 0 at a pad target (-1)."""
        lp = log_probs.reshape(-1, log_probs.shape[-1])
        each = targets.reshape(-1, lp.shape[0])
        picked = lp.gather(1, each.clamp(min=0).T).T
        return torch.where(each >= 0, picked, torch.zeros_like(picked)).reshape(targets.shape)

    @staticmethod
    def _adaptive_target_log_probs(hs, us, W, b, targets, cutoffs):
        """adaptive_cross_entropy's log-probability of each target without the dense softmax: the head (the words
        before cutoffs[0] and one logit per cluster) for every step, each tail cluster's softmax only over the
        steps whose target is in it. hs [T, B, d], us [T, B, clusters]; targets as _target_log_probs'."""
        h = hs.reshape(-1, hs.shape[-1])
        u = us.reshape(h.shape[0], -1)
        c1, V = cutoffs[0], W.shape[0]
        head = h @ W[:c1].T
        head = torch.log_softmax(torch.cat([head + b[:c1] if b is not None else head, u], -1), -1)
        out = []
        for y in targets.reshape(-1, h.shape[0]):
            lp = head.gather(1, y.clamp(0, c1 - 1).unsqueeze(1)).squeeze(1)
            lp = torch.where((y >= 0) & (y < c1), lp, torch.zeros_like(lp))
            for k, (a, e) in enumerate(zip(cutoffs, list(cutoffs[1:]) + [V])):
                rows = ((y >= a) & (y < e)).nonzero().squeeze(1)
                if rows.numel() == 0:
                    continue
                z = h[rows] @ W[a:e].T
                z = torch.log_softmax(z + b[a:e] if b is not None else z, -1)
                lp = lp.index_put((rows,), z.gather(1, (y[rows] - a).unsqueeze(1)).squeeze(1) + head[rows, c1 + k])
            out.append(lp)
        return torch.stack(out).reshape(targets.shape)

    def _locked_mask(self, masks, key, B, shape, p):
        """locked_dropout: one mask per stream, drawn at the window's first step and kept for its others."""
        if not self.training or p == 0:
            return 1.0
        if ("locked", key) not in masks:
            masks[("locked", key)] = self._draw("locked", key, (B, *shape), p)
        return masks[("locked", key)]

    def _row_mask(self, masks, key, rows, p, ids, dims):
        """embedding_dropout: each row of the table kept (x 1/(1-p)) or dropped for the whole window,
        in every stream; the mask of each stream's token ids, shaped to multiply its looked-up row."""
        if not self.training or p == 0:
            return 1.0
        if ("rows", key) not in masks:
            masks[("rows", key)] = self._draw("rows", key, (rows,), p)
        return masks[("rows", key)][ids].reshape(-1, *([1] * dims))

    def _weight_drop(self, name, w, p):
        """weight_drop (DropConnect): the parameter times one mask drawn for the window, when training."""
        if not self.training or p == 0:
            return w
        return w * self._draw("weight_drop", name, tuple(w.shape), p)

    def _with_history(self, tokens, states):
        """The carried token history (the last HISTORY tokens before the window, -1 for the pad before a
        stream's start), then tokens: [HISTORY + len(tokens), B]."""
        if not HISTORY:
            return tokens
        past = states[HISTORY_STATE].detach().round().long().T - 1
        return torch.cat([past.to(tokens.device), tokens])

    def _history_after(self, xtokens, states):
        """The history carried into the next window: the last HISTORY tokens read, as id + 1 (rnnc's state)."""
        return (xtokens[-HISTORY:].T + 1).to(states[HISTORY_STATE].dtype)

    @staticmethod
    def _lookup(table, ids):
        """Rows of the table at ids [B]; the pad (-1, before a stream's start) reads a zero row."""
        return table[ids.clamp(min=0)] * (ids >= 0).unsqueeze(-1).to(table.dtype)

    def window_targets(self, window, states=None):
        """The targets of a window of tokens [T + 1, B] read from these states (default: a stream's start):
        [T, B], or [K, T, B] for a loss over K positions (TARGETS); -1 where a target is the pad before a stream's start."""
        T, B = window.shape[0] - 1, window.shape[1]
        x = self._with_history(window, states if states is not None else self.initial_states(B))
        picked = torch.stack([x[HISTORY + k : HISTORY + k + T] for k in TARGETS])
        return picked[0] if len(TARGETS) == 1 else picked

    def loss(self, log_probs, targets):
        """rnnc's loss: the mean cross-entropy (nats) over the T*B steps. targets [T, B], or [K, T, B] (a loss
        over K positions: a step's loss is the mean of their K cross-entropies); a pad target (-1, before a
        stream's start) adds 0 and still counts in the mean, as in rnnc."""
        return self.target_loss(self._target_log_probs(log_probs, targets))

    @staticmethod
    def target_loss(target_log_probs):
        """loss() from forward(tokens, states, targets)'s log-probabilities of the targets (0 at a pad, which still counts)."""
        return -target_log_probs.sum() / target_log_probs.numel()

    def objective(self, log_probs, targets):
        """What training differentiates, as rnnc: loss() plus the ar/tar penalty of the forward that gave log_probs (none in eval)."""
        return self.loss(log_probs, targets) + (self.penalty if self.training else 0.0)

    def window_loss(self, window, states=None):
        """The objective of a window of tokens [T + 1, B] (inputs window[:-1]; in eval, the loss); returns (it, final states)."""
        targets = self.window_targets(window, states)
        lp, states = self(window[:-1], states, targets)
        return self.target_loss(lp) + (self.penalty if self.training else 0.0), states

    def load_rnnc(self, path):
        """Loads rnnc's weights (a .safetensors keyed by rnnc's names, e.g. a checkpoint's model.safetensors)."""
        tensors = read_safetensors(path)
        own = dict(self.named_parameters())
        missing = sorted(set(own) - set(tensors))
        if missing:
            raise ValueError("%s: no weights for %s" % (path, ", ".join(missing)))
        with torch.no_grad():
            for name, p in own.items():
                if tuple(tensors[name].shape) != tuple(p.shape):
                    raise ValueError("%s: %s has shape %s, the model wants %s" % (path, name, list(tensors[name].shape), list(p.shape)))
                p.copy_(tensors[name].to(p.dtype))
        return self

    def save_rnnc(self, path, metadata=None):
        """Writes the parameters under rnnc's names (float32), as rnnc's model.safetensors."""
        write_safetensors(path, dict(self.named_parameters()), metadata)
`;
