#!/usr/bin/env bash
# Installs the PyTorch reference for bench/vs-pytorch: Debian's PyTorch 1.13 (CPU) for Debian's
# /usr/bin/python3 (not a pyenv python3 on PATH), and OpenBLAS, which Debian's libtorch uses through
# the libblas.so.3 alternative (without it the reference BLAS gives ~5 GFLOP/s instead of ~150-200).
# Idempotent: installs only what is missing (as root, or through sudo), then prints a 2048x2048 fp32 GEMM check.
set -euo pipefail
PY=/usr/bin/python3
need=()
"$PY" -c 'import torch' 2>/dev/null || need+=(python3-torch)
dpkg-query -W -f='${Status}' libopenblas0-pthread 2>/dev/null | grep -q 'install ok installed' || need+=(libopenblas0-pthread)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo=sudo
  echo "setup.sh: installing ${need[*]} (apt-get) ..." >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
else
  echo "setup.sh: python3-torch and libopenblas0-pthread already installed" >&2
fi
echo "libblas.so.3 -> $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || echo '?')"
"$PY" - <<'PY'
import time, torch
torch.set_num_threads(2)
a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
a @ b
runs = []
for _ in range(5):
    t = time.perf_counter(); a @ b; runs.append(time.perf_counter() - t)
s = sorted(runs)[len(runs) // 2]
print(f"torch {torch.__version__}, 2 threads: 2048x2048 fp32 GEMM {2 * 2048**3 / s / 1e9:.0f} GFLOP/s "
      f"(median of 5; expect ~150-200 on an idle 2-core EPYC with OpenBLAS, ~5 without)")
PY
