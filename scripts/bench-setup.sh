#!/usr/bin/env bash
# Installs the PyTorch reference for `nerkit bench --torch` (Debian's packages, as root).
# libopenblas0-pthread matters: without it Debian's python3-torch runs its matrix products on the
# reference (netlib) BLAS at ~4 GFLOP/s; with it, the same torch uses OpenBLAS — PyTorch at its best,
# which is what the comparison is against — provided OpenBLAS picks its own core: OPENBLAS_CORETYPE
# (or OPENBLAS_L2_SIZE) in the environment holds it to an older kernel. `nerkit bench --torch` removes
# both from the reference's command and prints the core it ran (SkylakeX on an AVX-512 machine).
set -euo pipefail
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch libopenblas0-pthread
/usr/bin/python3 -c 'import torch; print("torch", torch.__version__)'
