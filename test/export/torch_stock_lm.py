"""A stock LSTM language model as PyTorch's examples build it (nn.Embedding, nn.LSTM, nn.Linear),
for test/export/torch-import.test.ts: saves its state dict as .pt (torch.save) and as
.safetensors (written here, so no safetensors package is needed), and prints the log-probability
of each next token of the text (one stream, zero initial states) in float64.

stdin: {"vocab": V, "embed": E, "hidden": H, "layers": L, "tokens": [...], "out": DIR, "seed": S, "tied": bool}
"""
import json
import os
import struct
import sys

import torch
from torch import nn


class StockLM(nn.Module):
    def __init__(self, V, E, H, L, tied):
        super().__init__()
        self.encoder = nn.Embedding(V, E)
        self.rnn = nn.LSTM(E, H, L)
        self.decoder = nn.Linear(H, V)
        if tied:
            self.decoder.weight = self.encoder.weight

    def forward(self, tokens):
        out, _ = self.rnn(self.encoder(tokens))
        return torch.log_softmax(self.decoder(out), dim=-1)


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        flat = t.detach().to(torch.float32).contiguous().reshape(-1)
        raw = struct.pack("<%df" % flat.numel(), *flat.tolist())
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    head = json.dumps(header).encode()
    head += b" " * ((8 - len(head) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head + b"".join(blobs))


job = json.load(sys.stdin)
torch.manual_seed(job["seed"])
model = StockLM(job["vocab"], job["embed"], job["hidden"], job["layers"], job.get("tied", False))
with torch.no_grad():
    for p in model.parameters():  # wider than the defaults, so that the gates do not all sit near 0.5
        p.uniform_(-0.5, 0.5)
state = model.state_dict()
torch.save(state, os.path.join(job["out"], "stock.pt"))
write_safetensors(os.path.join(job["out"], "stock.safetensors"), state)
model = model.double().eval()
tokens = torch.tensor(job["tokens"], dtype=torch.int64).unsqueeze(1)
with torch.no_grad():
    lp = model(tokens[:-1])[:, 0, :]
print(json.dumps({"ln": lp.gather(1, tokens[1:]).squeeze(1).tolist(), "keys": list(state.keys())}))
