#!/usr/bin/python3
"""Writes the int8 calibration set of the Fashion-MNIST sample: the first N TRAINING images (never test images),
normalised as classify.c does, stacked on the batch axis as float32 [N, 1, 28, 28] in a .npy file.
usage: make_calibration.py TRAIN_IMAGES_IDX3_GZ OUT.npy [N (default 512)]"""
import gzip
import sys

import numpy as np

with gzip.open(sys.argv[1]) as f:
    raw = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
count = int(sys.argv[3]) if len(sys.argv) > 3 else 512
images = raw[: count * 784].reshape(count, 1, 28, 28)
x = ((images.astype(np.float32) / np.float32(255.0) - np.float32(0.2860)) / np.float32(0.3530)).astype(np.float32)
np.save(sys.argv[2], x)
