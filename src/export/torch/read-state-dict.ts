// A PyTorch state dict as rnnc's tensors: .safetensors is read here (no torch needed); a
// .pt/.pth/.bin pickle is read by /usr/bin/python3 with torch (torch.load, weights only where
// the torch has it), which writes it back as safetensors on its stdout.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { decodeSafetensors, SafetensorsError, type Tensor } from '../../runtime/safetensors.ts';

export const PYTHON = '/usr/bin/python3';

/** A state dict that cannot be read: the message says why and what to do. */
export class StateDictError extends Error {}

// Floating tensors become F32 (F64 stays); others are written as F64 so that rnnc names them.
const TO_SAFETENSORS = `
import json, struct, sys
try:
    import torch
except ImportError:
    sys.stderr.write("NO_TORCH\\n")
    sys.exit(3)
path = sys.argv[1]
try:
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except TypeError:
        obj = torch.load(path, map_location="cpu")
except Exception as e:
    sys.stderr.write("%s: torch.load cannot read it as a state dict of tensors (%s: %s); save model.state_dict()\\n" % (path, type(e).__name__, str(e).splitlines()[0] if str(e) else ""))
    sys.exit(4)
if isinstance(obj, dict) and isinstance(obj.get("state_dict"), dict):
    obj = obj["state_dict"]
if not isinstance(obj, dict):
    sys.stderr.write("%s: holds a %s, not a state dict (a dict of tensors); save model.state_dict()\\n" % (path, type(obj).__name__))
    sys.exit(4)
try:
    import numpy
except ImportError:
    numpy = None
header, blobs, offset = {}, [], 0
for name, t in obj.items():
    if not torch.is_tensor(t):
        sys.stderr.write("%s: entry %r is a %s, not a tensor\\n" % (path, name, type(t).__name__))
        sys.exit(4)
    wide = t.dtype == torch.float64 or not t.is_floating_point()
    a = t.detach().to(torch.float64 if wide else torch.float32).contiguous().cpu().reshape(-1)
    raw = a.numpy().tobytes() if numpy is not None else struct.pack("<%d%s" % (a.numel(), "d" if wide else "f"), *a.tolist())
    header[name] = {"dtype": "F64" if wide else "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
    blobs.append(raw)
    offset += len(raw)
head = json.dumps(header).encode()
head += b" " * ((8 - len(head) % 8) % 8)
sys.stdout.buffer.write(struct.pack("<Q", len(head)) + head + b"".join(blobs))
`;

/** The tensors of a state dict file, in the file's order. */
export function readStateDict(path: string): Map<string, Tensor> {
  if (!existsSync(path) || !statSync(path).isFile()) throw new StateDictError(`${path}: no such file`);
  let bytes: Uint8Array;
  if (/\.safetensors$/i.test(path)) {
    bytes = readFileSync(path);
  } else {
    const r = spawnSync(PYTHON, ['-c', TO_SAFETENSORS, path], { maxBuffer: 2 ** 31, encoding: 'buffer' });
    const err = r.stderr?.toString('utf8').trim() ?? '';
    if (r.error || r.status === 3) {
      throw new StateDictError(`${path}: reading a PyTorch pickle (.pt) needs ${PYTHON} with torch, which ${r.error ? 'is not there' : 'cannot import torch'} (apt-get install python3-torch); a .safetensors state dict needs no torch`);
    }
    if (r.status !== 0) throw new StateDictError(err.split('\n').pop() || `${path}: ${PYTHON} failed (exit ${r.status})`);
    bytes = r.stdout;
  }
  try {
    return decodeSafetensors(bytes, path).tensors;
  } catch (e) {
    if (e instanceof SafetensorsError) throw new StateDictError(e.message);
    throw e;
  }
}
