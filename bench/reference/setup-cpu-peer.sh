#!/bin/sh
# Installs the PyTorch CPU peer used by bench/reference/vae_torch.py on Debian 12
# (bookworm): Debian's python3-torch (PyTorch 1.13), the OpenMP build of OpenBLAS,
# and the Fashion-MNIST IDX files (/usr/share/datasets/fashion-mnist/).
#
# Why: Debian's libtorch links the generic libblas.so.3 / liblapack.so.3. If the
# reference BLAS (libblas3) is what the alternatives point at, PyTorch runs
# 14-19x slower; if the pthread OpenBLAS build is selected, its thread pool
# fights PyTorch's OpenMP pool. So we install libopenblas0-openmp and select it
# explicitly for libblas.so.3, liblapack.so.3 and libopenblas.so.0.
#
# Idempotent, non-interactive; must run as root. Usage: sh setup-cpu-peer.sh
set -eu

if [ "$(id -u)" -ne 0 ]; then
    echo "setup-cpu-peer.sh: must run as root" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
PKGS="python3-torch libopenblas0-openmp dataset-fashion-mnist"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
if [ -n "$missing" ]; then
    apt-get update
    # One transaction, so apt satisfies libtorch's libblas.so.3 dependency with
    # OpenBLAS rather than pulling in the reference libblas3.
    # shellcheck disable=SC2086
    apt-get install -y --no-install-recommends $missing
fi

MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null \
     || /usr/bin/python3 -c 'import sysconfig; print(sysconfig.get_config_var("MULTIARCH"))')
LIBDIR=/usr/lib/$MA
for lib in libblas.so.3 liblapack.so.3 libopenblas.so.0; do
    target=$LIBDIR/openblas-openmp/$lib
    if [ ! -e "$target" ]; then
        echo "setup-cpu-peer.sh: $target missing (libopenblas0-openmp not installed?)" >&2
        exit 1
    fi
    update-alternatives --set "$lib-$MA" "$target"
done

# Check: PyTorch imports and the BLAS it will load is OpenBLAS (OpenMP build).
/usr/bin/python3 - <<'EOF'
import torch
print("torch", torch.__version__)
EOF
for lib in libblas.so.3 liblapack.so.3 libopenblas.so.0; do
    echo "$lib -> $(readlink -f "$LIBDIR/$lib")"
done
