#!/bin/bash
# Runs bench/peers/torch_step.py (P2: one-token LSTM step at batch 1) with the environment
# ../shared/peers/torch.sh sets: the OpenMP OpenBLAS, thread counts from --threads, and
# Debian's /usr/bin/python3. Exit 3 when PyTorch is not installed.
#   bench/peers/torch-step.sh --cell lstm --hidden 256 --threads 1 [--tokens 2000 --warmup 200]
set -e
here=$(cd "$(dirname "$0")" && pwd)
threads=1
for ((i = 1; i <= $#; i++)); do
  if [ "${!i}" = "--threads" ]; then j=$((i + 1)); threads=${!j}; fi
done
export LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp
export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads MKL_NUM_THREADS=$threads
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "torch-step.sh: PyTorch is not installed: apt-get install -y python3-torch libopenblas0-openmp" >&2
  exit 3
fi
exec /usr/bin/python3 "$here/torch_step.py" "$@"
