"""Evaluates hvae4j's trained `conv` model in its PyTorch twin (conv_models.py): the test ELBO (mean over the test
images and `--repeats` samples each) and the IWAE-k bound, from hvae4j's safetensors export. hvae4j's own numbers for
the same parameters must agree within Monte-Carlo error: that checks that the twin computes hvae4j's model.

    python crosscheck_conv.py --weights model.safetensors [--data /usr/share/datasets/fashion-mnist] \
        [--test-limit 1000] [--repeats 20] [--eval-k 100]

Prints one JSON line.
"""

import argparse
import hashlib
import json
import math
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conv_models  # noqa: E402
from vae_torch import DEFAULT_DATA, binarize_test_images, load_images  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--weights", required=True)
    p.add_argument("--data", default=DEFAULT_DATA)
    p.add_argument("--test-limit", type=int, default=1000)
    p.add_argument("--repeats", type=int, default=20)
    p.add_argument("--eval-k", type=int, default=100)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--state", action="store_true", help="the model has the top-down state (--model conv-state)")
    a = p.parse_args()
    torch.manual_seed(a.seed)
    # The feature channels and the normalization from the export's description of the model.
    from safetensors import safe_open
    with safe_open(a.weights, "pt") as f:
        spec = json.loads((f.metadata() or {}).get("hvae4j_model", "{}"))
    cells = [l["cell"] for l in spec.get("latents", []) if isinstance(l.get("cell"), dict)]
    features = cells[0]["channels"] if cells else None
    batch_norm = any(c.get("norm") == "batch" for c in cells)
    model = conv_models.ConvHvae(state=a.state, features=features, batch_norm=batch_norm)
    conv_models.load_hvae4j(model, a.weights)
    model.eval()   # batch normalization (if any) by its running statistics, as hvae4j evaluates
    bits = binarize_test_images(load_images(a.data, "test"))[:a.test_limit]
    x = torch.from_numpy(bits).float()
    elbos = []
    iwae = []
    with torch.no_grad():
        for i in range(0, x.shape[0], 100):
            xb = x[i:i + 100]
            elbos.append(torch.stack([model.elbo(xb) for _ in range(a.repeats)]).mean(0))
            lw = torch.cat([model.log_weights(xb, min(50, a.eval_k - s)) for s in range(0, a.eval_k, 50)], dim=0)
            iwae.append(torch.logsumexp(lw.double(), dim=0) - math.log(a.eval_k))
    elbo = torch.cat(elbos)
    bound = torch.cat(iwae)
    print(json.dumps({
        "peer": "pytorch-twin",
        "torch": torch.__version__,
        "test_images": int(x.shape[0]),
        "test_bits_sha256": hashlib.sha256(np.ascontiguousarray(bits).tobytes()).hexdigest(),
        "test_elbo": round(elbo.mean().item(), 3),
        "test_elbo_se": round((elbo.std() / math.sqrt(elbo.numel())).item(), 3),
        f"test_nll_iwae{a.eval_k}": round(-bound.mean().item(), 3),
        "parameters": sum(t.numel() for t in model.parameters()),
    }), flush=True)


if __name__ == "__main__":
    main()
