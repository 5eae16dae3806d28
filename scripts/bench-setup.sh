#!/usr/bin/env bash
# Installs the PyTorch reference for `nerkit bench --torch` (Debian's packages, as root).
# libopenblas0-pthread matters: without it Debian's python3-torch runs its matrix products on the
# reference (netlib) BLAS at ~4 GFLOP/s; with it, the same torch uses OpenBLAS (~50 GFLOP/s here)
# — PyTorch at its best, which is what the comparison is against.
set -euo pipefail
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch libopenblas0-pthread
/usr/bin/python3 -c 'import torch; print("torch", torch.__version__)'
