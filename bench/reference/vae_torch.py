#!/usr/bin/python3
"""PyTorch peer for hvae4j's speed and quality comparisons (see README.md).

  speed:   python3 vae_torch.py speed --model g1 --objective elbo --batch 100 \
               --threads 2 --seconds 10 [--device cpu|cuda] [--compile]
  quality: python3 vae_torch.py quality --model g1 --epochs 10 \
               --data /usr/share/datasets/fashion-mnist --seed 0

Both modes print exactly one JSON line as their last line of stdout.
"""

import argparse
import gzip
import hashlib
import json
import math
import os
import struct
import sys
import time

import numpy as np

DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"
TEST_BINARIZATION_SEED = 123


# ------------------------------------------------------------------------------ data

def read_idx_images(path):
    """Read an IDX3 ubyte image file (optionally .gz) -> uint8 array (n, rows*cols)."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        magic, n, rows, cols = struct.unpack(">IIII", f.read(16))
        if magic != 2051:
            raise ValueError(f"{path}: not an IDX3 image file (magic {magic})")
        data = np.frombuffer(f.read(n * rows * cols), dtype=np.uint8).copy()
    return data.reshape(n, rows * cols)


def load_images(data_dir, split):
    stem = "train-images-idx3-ubyte" if split == "train" else "t10k-images-idx3-ubyte"
    for name in (stem + ".gz", stem):
        path = os.path.join(data_dir, name)
        if os.path.exists(path):
            return read_idx_images(path)
    raise FileNotFoundError(f"no {stem}[.gz] in {data_dir}")


def binarize_test_images(pixels):
    """The fixed test binarization shared with the Java side.

    pixels: uint8 array (10000, 784), the whole t10k file in file order.
      u = numpy.random.RandomState(123).uniform(size=(10000, 784))   # float64, row-major
      x = (u < pixels / 255.0)                                          # float64 compare
    i.e. MT19937 seeded with init_genrand(123), one uniform per pixel in file order
    (image by image, pixel by pixel), each uniform = genrand_res53
    ((a >> 5) * 67108864 + (b >> 6)) / 2**53 from two consecutive 32-bit outputs a, b;
    pixel is 1 iff u < pixel/255.0 (strict, in double precision). The uniforms are drawn
    for the whole test set, so image i's bits do not depend on how many images are used.
    """
    u = np.random.RandomState(TEST_BINARIZATION_SEED).uniform(size=pixels.shape)
    return (u < pixels / 255.0).astype(np.uint8)


# --------------------------------------------------------------------------- helpers

def emit(record):
    print(json.dumps(record), flush=True)


def make_model_and_optimizer(torch, models, name, device, lr=1e-3, features=None, batch_norm=False):
    if name in ("conv", "conv-state"):
        import conv_models
        model = conv_models.ConvHvae(state=name == "conv-state", features=features, batch_norm=batch_norm).to(device)
    else:
        model = (models.MODELS[name] if name in models.MODELS else models.two_layer(name))().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    return model, opt


def make_loss_fn(torch, models, model, objective):
    """Returns loss(x) = -(mean over the batch of the objective)."""
    if objective == "elbo":
        return lambda x: -model.elbo(x).mean()
    k = int(objective[len("iwae"):])
    return lambda x: -models.iwae_bound(model, x, k).mean()


# ----------------------------------------------------------------------------- speed

def run_speed(args, torch, models):
    device = torch.device(args.device)
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("vae_torch.py: --device cuda but torch.cuda.is_available() is False")
    torch.manual_seed(args.seed)

    model, opt = make_model_and_optimizer(torch, models, args.model, device)
    loss_fn = make_loss_fn(torch, models, model, args.objective)
    if args.compile:
        if not hasattr(torch, "compile"):
            sys.exit(f"vae_torch.py: --compile needs PyTorch >= 2.0 (have {torch.__version__})")
        loss_fn = torch.compile(loss_fn)

    # Grey levels in [0, 1]: real training images if --data is given, otherwise a fixed
    # pool of uniform random greys. Batches are consecutive slices of the pool, and each
    # step binarizes its batch afresh (dynamic binarization is part of the timed step).
    if args.data:
        grey = torch.from_numpy(load_images(args.data, "train")).float().div_(255.0)
    else:
        grey = torch.rand(max(10 * args.batch, 10000), 784)
    grey = grey[: (grey.shape[0] // args.batch) * args.batch].to(device)
    n_batches = grey.shape[0] // args.batch
    cursor = [0]

    def step():
        i = cursor[0]
        cursor[0] = (i + 1) % n_batches
        x = torch.bernoulli(grey[i * args.batch:(i + 1) * args.batch])
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(x)
        loss.backward()
        opt.step()

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize()

    # Warm-up: a few steps (compilation, allocator), then --warmup seconds.
    for _ in range(3):
        step()
    sync()
    t0 = time.perf_counter()
    warm_steps = 0
    while True:
        step()
        warm_steps += 1
        sync()
        if time.perf_counter() - t0 >= args.warmup:
            break
    rate = warm_steps / (time.perf_counter() - t0)

    # Measurement: chunks of ~0.2 s between synchronisations, until --seconds elapsed.
    chunk = max(1, int(rate * 0.2))
    steps = 0
    sync()
    t0 = time.perf_counter()
    while True:
        for _ in range(chunk):
            step()
        steps += chunk
        sync()
        elapsed = time.perf_counter() - t0
        if elapsed >= args.seconds:
            break

    record = {
        "peer": "pytorch",
        "torch": torch.__version__,
        "model": args.model,
        "objective": args.objective,
        "batch": args.batch,
        "threads": torch.get_num_threads(),
        "device": args.device,
        "compile": bool(args.compile),
        "examples_per_s": round(steps * args.batch / elapsed, 1),
        "steps": steps,
        "elapsed_s": round(elapsed, 3),
    }
    if device.type == "cuda":
        record["gpu"] = torch.cuda.get_device_name(device)
        record["tf32_matmul"] = torch.backends.cuda.matmul.allow_tf32
    emit(record)


# --------------------------------------------------------------------------- quality

def evaluate_iwae(torch, models, model, x_test, k, device, images_per_chunk, samples_per_chunk):
    """(n,) IWAE-k bound per test image; the k samples are drawn in chunks so that at
    most images_per_chunk * samples_per_chunk rows are alive at once."""
    model.eval()
    bounds = []
    with torch.no_grad():
        for i in range(0, x_test.shape[0], images_per_chunk):
            x = x_test[i:i + images_per_chunk].to(device)
            log_w = torch.cat([model.log_weights(x, min(samples_per_chunk, k - s))
                               for s in range(0, k, samples_per_chunk)], dim=0)  # (k, b)
            bounds.append((torch.logsumexp(log_w.double(), dim=0) - math.log(k)).cpu())
    model.train()
    return torch.cat(bounds)


def run_quality(args, torch, models):
    device = torch.device(args.device)
    if args.device == "cuda" and not torch.cuda.is_available():
        sys.exit("vae_torch.py: --device cuda but torch.cuda.is_available() is False")
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)   # shuffling

    train_grey = torch.from_numpy(load_images(args.data, "train")).float().div_(255.0)
    if args.train_limit:
        train_grey = train_grey[:args.train_limit]
    train_grey = train_grey.to(device)
    test_bits = binarize_test_images(load_images(args.data, "test"))
    if args.test_limit:
        test_bits = test_bits[:args.test_limit]
    test_sha = hashlib.sha256(np.ascontiguousarray(test_bits).tobytes()).hexdigest()
    x_test = torch.from_numpy(test_bits).float()

    if (args.features or args.batch_norm or args.data_init) and not args.model.startswith("conv"):
        sys.exit("vae_torch.py: --features, --batch-norm and --data-init are for the conv models")
    model, opt = make_model_and_optimizer(torch, models, args.model, device, args.lr, args.features, args.batch_norm)
    n = train_grey.shape[0]
    step = 0
    t_start = time.perf_counter()
    if args.data_init:
        import conv_models
        layers = conv_models.data_init(model, torch.bernoulli(train_grey[:args.batch]))
        print(f"data-dependent initialization: {layers} convolutions", flush=True)
    per_epoch = n // args.batch
    for epoch in range(1, args.epochs + 1):
        t_epoch = time.perf_counter()
        perm = torch.randperm(n, generator=gen).to(device)
        elbo_sum, count = 0.0, 0
        kl_sums = None
        for i in range(0, n - args.batch + 1, args.batch):   # whole batches, as hvae4j drops the last partial one
            idx = perm[i:i + args.batch]
            x = torch.bernoulli(train_grey[idx])            # dynamic binarization
            beta = 1.0 if args.kl_warmup == 0 else min(1.0, step / args.kl_warmup)
            if hasattr(model, "terms"):
                log_px, kl1, kl2 = model.terms(x)
                elbo = (log_px - kl1 - kl2).mean()
                loss = -(log_px - beta * (kl1 + kl2)).mean()
                kls = (kl1.mean().item(), kl2.mean().item())
                kl_sums = kls if kl_sums is None else (kl_sums[0] + kls[0], kl_sums[1] + kls[1])
            else:
                elbo = model.elbo(x).mean()
                loss = -elbo
            if args.schedule == "cosine":   # hvae4j's TrainConfig.scheduleFactor, per step
                done = (epoch - 1) + (i // args.batch) / per_epoch
                for g in opt.param_groups:
                    g["lr"] = args.lr * 0.5 * (1 + math.cos(math.pi * min(1.0, done / max(1, args.epochs))))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            elbo_sum += elbo.item() * idx.shape[0]
            count += idx.shape[0]
        kl_text = "" if kl_sums is None else \
            f"  kl [{kl_sums[0] * args.batch / count:.3f}, {kl_sums[1] * args.batch / count:.3f}]"
        print(f"epoch {epoch}  train_elbo {elbo_sum / count:.3f}{kl_text}  "
              f"({time.perf_counter() - t_epoch:.1f} s)", flush=True)
    train_s = time.perf_counter() - t_start

    t_eval = time.perf_counter()
    torch.manual_seed(args.seed + 1)                       # evaluation sampling
    bounds = evaluate_iwae(torch, models, model, x_test, args.eval_k, device,
                           args.eval_images_per_chunk, args.eval_samples_per_chunk)
    eval_s = time.perf_counter() - t_eval
    emit({
        "peer": "pytorch",
        "torch": torch.__version__,
        "model": args.model,
        "features": args.features,
        "batch_norm": args.batch_norm,
        "data_init": args.data_init,
        "lr": args.lr,
        "schedule": args.schedule,
        "epochs": args.epochs,
        "kl_warmup": args.kl_warmup,
        "seed": args.seed,
        "train_images": n,
        "test_images": int(x_test.shape[0]),
        "eval_k": args.eval_k,
        f"test_ll_iwae{args.eval_k}": round(-bounds.mean().item(), 4),  # NLL, nats
        "test_bits_sha256": test_sha,
        "threads": torch.get_num_threads(),
        "device": args.device,
        "train_s": round(train_s, 2),
        "eval_s": round(eval_s, 2),
        "time_s": round(train_s + eval_s, 2),
    })


# ------------------------------------------------------------------------------ main

def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="mode", required=True)

    def common(sp):
        sp.add_argument("--model", required=True,
                        help="g1, g2, b2, or a two-layer Gaussian model INFERENCE:TOP,BOTTOM:HIDDEN "
                             "(e.g. ladder:16,32:100,200 or bottom-up:50,100:100,100)")
        sp.add_argument("--batch", type=int, default=100)
        sp.add_argument("--threads", type=int, default=None,
                        help="intra-op threads (also OMP/OpenBLAS threads); default: torch's")
        sp.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
        sp.add_argument("--seed", type=int, default=0)

    s = sub.add_parser("speed", help="training throughput")
    common(s)
    s.add_argument("--objective", default="elbo",
                   help="elbo or iwaeK (e.g. iwae5)")
    s.add_argument("--seconds", type=float, default=10.0, help="measured wall time")
    s.add_argument("--warmup", type=float, default=2.0, help="warm-up wall time")
    s.add_argument("--compile", action="store_true", help="torch.compile (PyTorch >= 2)")
    s.add_argument("--data", default=None,
                   help="use real training images from this IDX folder (default: random greys)")

    q = sub.add_parser("quality", help="train with the ELBO, evaluate test IWAE-5000 NLL")
    common(q)
    q.add_argument("--epochs", type=int, default=10)
    q.add_argument("--data", default=DEFAULT_DATA)
    q.add_argument("--train-limit", type=int, default=0, help="use the first N training images")
    q.add_argument("--test-limit", type=int, default=1000, help="use the first N test images")
    q.add_argument("--eval-k", type=int, default=5000, help="IWAE samples for evaluation")
    q.add_argument("--eval-images-per-chunk", type=int, default=10)
    q.add_argument("--eval-samples-per-chunk", type=int, default=500)
    q.add_argument("--lr", type=float, default=1e-3, help="Adam's learning rate")
    q.add_argument("--schedule", choices=["constant", "cosine"], default="constant",
                   help="the learning rate's schedule (cosine: to 0 at the last epoch, per step, as hvae4j's)")
    q.add_argument("--features", type=int, default=None,
                   help="conv models: feature channels of every block (the preset's 32; hvae4j's f48: 48)")
    q.add_argument("--batch-norm", action="store_true", help="conv models: batch normalization in the residual "
                   "cells (hvae4j's --batch-norm)")
    q.add_argument("--data-init", action="store_true", help="conv models: data-dependent initialization on the "
                   "first batch of training images (hvae4j's --data-init)")
    q.add_argument("--kl-warmup", type=int, default=0,
                   help="steps over which the KL weight rises linearly from 0 to 1 (two-layer models)")

    args = p.parse_args(argv)
    if args.mode == "speed":
        obj = args.objective
        if not (obj == "elbo" or (obj.startswith("iwae") and obj[4:].isdigit() and int(obj[4:]) > 0)):
            p.error(f"--objective must be elbo or iwaeK, got {obj}")
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.threads:
        # Before importing torch, so OpenMP (PyTorch and the OpenMP OpenBLAS) sees it.
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            os.environ[var] = str(args.threads)
    import torch
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import models
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.mode == "speed":
        run_speed(args, torch, models)
    else:
        run_quality(args, torch, models)


if __name__ == "__main__":
    main()
