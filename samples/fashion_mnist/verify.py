#!/usr/bin/python3
"""Checks the exported model against PyTorch with shufflec's reference interpreter.

    /usr/bin/python3 samples/fashion_mnist/verify.py BUILD_DIR [--count N]

For the first N test images (default 8) it rebuilds the PyTorch network from the exported JSON + weights (so the
check covers the export itself: names, shapes, layouts), runs it in eval mode with the softmax, runs
`BUILD_DIR/compiler/shufflec run` on the same input and prints max|err| / max|ref| for each image; it fails (exit 1)
if any exceeds 1e-5. It also compares the logits (the graph with its output moved to the fc node), which are more
sensitive than the probabilities, and checks the committed pytorch_predictions.txt for those images.

With --write-reference it also writes model/reference_input.bin (test image 0, normalised, float32 LE [1,1,28,28])
and model/reference_probs.bin (PyTorch's 10 probabilities for it), which tests/fashion_mnist/check_accuracy.sh uses
to compare the compiled C with PyTorch without needing Python.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train  # noqa: E402

TOLERANCE = 1e-5


def shufflec_run(shufflec, model, x, tmp):
    inp = os.path.join(tmp, "input.bin")
    out = os.path.join(tmp, "output.bin")
    x.numpy().astype("<f4").tofile(inp)
    subprocess.run([shufflec, "run", model, "--input", inp, "--output", out], check=True)
    return np.fromfile(out, dtype="<f4")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build_dir")
    ap.add_argument("--count", type=int, default=8)
    ap.add_argument("--model", default=os.path.join(HERE, "model", train.NAME + ".json"))
    ap.add_argument("--write-reference", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    shufflec = os.path.join(args.build_dir, "compiler", "shufflec")

    net = train.load_exported(args.model)
    full = train.WithSoftmax(net).eval()
    images, labels = train.load_split("t10k")
    x_all = train.normalise(images[:args.count])
    pred_file = os.path.join(os.path.dirname(args.model), "pytorch_predictions.txt")
    committed = [int(s) for s in open(pred_file).read().split()] if os.path.exists(pred_file) else None

    if args.write_reference:
        model_dir = os.path.dirname(args.model)
        with torch.no_grad():
            probs = full(x_all[:1])
        x_all[:1].numpy().astype("<f4").tofile(os.path.join(model_dir, "reference_input.bin"))
        probs.numpy().astype("<f4").tofile(os.path.join(model_dir, "reference_probs.bin"))
        print(f"wrote {model_dir}/reference_input.bin and reference_probs.bin")

    with tempfile.TemporaryDirectory() as tmp:
        # A copy of the graph whose output is the logits (same weights file, referenced by absolute path).
        with open(args.model) as f:
            g = json.load(f)
        g["outputs"] = ["fc"]
        g["nodes"] = [n for n in g["nodes"] if n["op"] != "softmax"]
        g["weights_file"] = os.path.abspath(os.path.join(os.path.dirname(args.model), g["weights_file"]))
        logits_model = os.path.join(tmp, "logits.json")
        with open(logits_model, "w") as f:
            json.dump(g, f)

        worst = 0.0
        for i in range(args.count):
            x = x_all[i:i + 1]
            with torch.no_grad():
                ref_p = full(x).numpy().ravel()
                ref_l = net(x).numpy().ravel()
            got_p = shufflec_run(shufflec, args.model, x, tmp)
            got_l = shufflec_run(shufflec, logits_model, x, tmp)
            err_p = np.abs(got_p - ref_p).max() / np.abs(ref_p).max()
            err_l = np.abs(got_l - ref_l).max() / np.abs(ref_l).max()
            worst = max(worst, err_p, err_l)
            k = int(ref_p.argmax())
            note = ""
            if committed is not None and committed[i] != k:
                note = f"  (pytorch_predictions.txt says {committed[i]})"
            print(f"image {i}: label {labels[i]} pytorch {k} ({ref_p[k]:.4f}) shufflec {int(got_p.argmax())}  "
                  f"probs rel err {err_p:.2e}  logits rel err {err_l:.2e}{note}")
    print(f"worst max|err| / max|ref| = {worst:.2e} (tolerance {TOLERANCE:g})")
    if worst > TOLERANCE:
        print("FAIL")
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
