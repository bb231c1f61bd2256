#!/bin/sh
# Creates the newest-PyTorch CPU peer for bench/compare.sh: a Python virtual environment with torch (2.x, the CPU
# wheel with MKL and oneDNN) and numpy, beside Debian's python3-torch 1.13 (setup-cpu-peer.sh).
#
#   sh bench/reference/setup-venv-peer.sh [VENV_DIR]        # default: $HOME/.cache/hvae4j/torch-venv
#   bench/compare.sh --python-new VENV_DIR/bin/python --torch-compile ...
#
# pip installs from the configured index (on the project's machines: their local package mirror). Where that index
# has no torch, a local wheel directory or simple index can be named: PIP_FIND_LINKS=/opt/wheels, or
# PIP_INDEX_URL=file:///opt/pypi/simple (pip reads both from the environment). Idempotent: an existing environment
# that imports torch is kept.
set -eu
VENV=${1:-${HOME}/.cache/hvae4j/torch-venv}
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import torch, numpy' 2>/dev/null; then
    echo "setup-venv-peer.sh: $VENV already has torch $("$VENV/bin/python" -c 'import torch; print(torch.__version__)')"
    exit 0
fi
command -v python3 >/dev/null || { echo "setup-venv-peer.sh: python3 not found" >&2; exit 1; }
python3 -m venv "$VENV" || {
    echo "setup-venv-peer.sh: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
if ! "$VENV/bin/pip" install --quiet torch numpy safetensors; then
    # The machines this project is built on keep wheels and a package index under /opt.
    if [ -d /opt/wheels ] || [ -d /opt/pypi/simple ]; then
        echo "setup-venv-peer.sh: retrying with the local wheels and index under /opt" >&2
        "$VENV/bin/pip" install --quiet --find-links /opt/wheels \
            --index-url file:///opt/pypi/simple --extra-index-url file:///opt/pypi-more/simple torch numpy safetensors
    else
        echo "setup-venv-peer.sh: pip could not install torch; set PIP_INDEX_URL or PIP_FIND_LINKS" >&2
        exit 1
    fi
fi
echo "setup-venv-peer.sh: $VENV has torch $("$VENV/bin/python" -c 'import torch; print(torch.__version__)'); use" \
    "--python-new $VENV/bin/python"
