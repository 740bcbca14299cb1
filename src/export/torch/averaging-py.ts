// rnnc's weight averaging (runtime/optim/nt-asgd.ts, optimizers.ts) for train.py: nt-asgd is
// SGD (torch.optim.SGD) until the non-monotone trigger fires on a validation loss (worse than
// the best before the last n) or --average-at's share of the budget is spent; any other
// optimizer averages from --average-at on (tail averaging beside its own steps). Then ax, the
// running mean of the weights after each step since, which validation and the saved
// checkpoint use while training goes on from the raw weights. Saved as rnnc saves it: `ax/…`
// and `raw/…` beside the optimizer's buffers and the carried states, the switch step in the
// metadata (average_from) and nt-asgd's log of losses in the run's record. Plain Python text,
// spliced into TRAIN_PY.
export const AVERAGING_PY = `# ---- weight averaging, as rnnc's: nt-asgd's trigger (Merity et al. 2017) or --average-at (any optimizer) ----


class Averaging:
    """nt-asgd's trigger, and the average ax of the weights; the optimizer steps are torch's."""

    def __init__(self, model, nonmono):
        self.model, self.n = model, nonmono
        self.logs = []  # nt-asgd's validation losses (restore_run puts a resumed run's here)
        self.t0 = None  # the optimizer step after which averaging began (None: not yet)
        self.ax = None  # name -> tensor, once averaging began

    def update(self, v, step):
        """Records the validation loss v of the raw weights after optimizer step \`step\`; True when
        it is worse than the best before the last n (NaN improves on nothing): averaging starts."""
        if self.t0 is not None:
            return False
        t = len(self.logs)
        fire = False
        if t > self.n:
            best = min((x for x in self.logs[: t - self.n] if x == x), default=math.inf)
            fire = not (v <= best)
        self.logs.append(v)
        if fire:
            self.t0, self.ax = step, None
        return fire

    def start(self, step):
        """Averaging begins after optimizer step \`step\` (--average-at: the budget spent), whatever the trigger says."""
        if self.t0 is None:
            self.t0, self.ax = step, None

    def after_step(self, step):
        """After optimizer step \`step\`: ax, the mean of the weights after each step since the trigger."""
        if self.t0 is None:
            return
        k = step - self.t0
        with torch.no_grad():
            if self.ax is None or k <= 1:
                self.ax = {n: p.detach().clone() for n, p in self.model.named_parameters()}
            else:
                for n, p in self.model.named_parameters():
                    self.ax[n].add_((p - self.ax[n]) * (1.0 / k))

    @contextlib.contextmanager
    def eval_weights(self):
        """The model holds ax inside (once averaging began), its raw weights again after."""
        if self.ax is None:
            yield None
            return
        raw = {n: p.detach().clone() for n, p in self.model.named_parameters()}
        with torch.no_grad():
            for n, p in self.model.named_parameters():
                p.copy_(self.ax[n])
        try:
            yield raw
        finally:
            with torch.no_grad():
                for n, p in self.model.named_parameters():
                    p.copy_(raw[n])

    def logs_json(self):
        return [None if v != v else v for v in self.logs]
`;
