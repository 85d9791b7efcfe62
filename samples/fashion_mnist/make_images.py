#!/usr/bin/python3
"""Writes the bundled demo images samples/fashion_mnist/images/NNNN_CLASS.pgm: the first test-set image of each of
the first 8 distinct classes met in test-set order (NNNN = index in t10k, CLASS = true class). Binary PGM (P5),
28x28, maxval 255, the raw pixels. Needs the Debian package dataset-fashion-mnist.

    /usr/bin/python3 samples/fashion_mnist/make_images.py
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train  # noqa: E402  (dataset reader and class names)

SLUGS = ["tshirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle_boot"]


def main():
    images, labels = train.load_split("t10k")
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "images")
    os.makedirs(out, exist_ok=True)
    seen = set()
    for i, label in enumerate(labels):
        if int(label) in seen:
            continue
        seen.add(int(label))
        path = os.path.join(out, f"{i:04d}_{SLUGS[label]}.pgm")
        with open(path, "wb") as f:
            f.write(b"P5\n28 28\n255\n" + images[i].tobytes())
        print(path)
        if len(seen) == 8:
            break


if __name__ == "__main__":
    main()
