#!/usr/bin/python3
"""Exports a torchvision model to ONNX for the speed benchmark (bench/bench.sh), and times PyTorch for context.

    export_torchvision.py NAME OUT.onnx OUT.input.bin ROUNDS
    export_torchvision.py --list

NAME is one of the models below, built from torchvision's own definitions (Debian python3-torchvision) with random
weights: PyTorch's default initialisation from a seed derived from NAME, and the BatchNorm statistics and affine
parameters randomised as well, so that folding them into the convolutions is not the identity. Exported with
torch.onnx.export (eval mode, constant folding, opset 13) at 224x224, batch 1; the input is seeded uniform [-1, 1)
float32. Both files are written under temporary names and renamed, and an existing pair is reused (the benchmark
caches them in its build folder). Then PyTorch itself is timed (1 thread, eval, no grad) and "pytorch_ms=<median>"
printed on stdout.
"""
import os
import sys

import numpy as np
import torch

from torch_timing import print_pytorch_ms  # bench/, beside this script
import torch.nn as nn
import torchvision.models as tvm

MODELS = {
    "tv_shufflenet_v2_x1_0": tvm.shufflenet_v2_x1_0,
    "tv_resnet18": tvm.resnet18,
    "tv_mobilenet_v3_small": tvm.mobilenet_v3_small,
    "tv_efficientnet_b0": tvm.efficientnet_b0,
    "tv_squeezenet1_1": tvm.squeezenet1_1,
    "tv_regnet_x_400mf": tvm.regnet_x_400mf,
    "tv_mnasnet0_5": tvm.mnasnet0_5,
}
SIZE, OPSET = 224, 13


def seed_of(name):
    return sum((i + 1) * ord(c) for i, c in enumerate(name)) % (2 ** 31)


def randomise_batchnorm(model, gen):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            with torch.no_grad():
                m.weight.copy_(torch.rand(c, generator=gen) * 0.5 + 0.75)
                m.bias.copy_(torch.rand(c, generator=gen) * 0.2 - 0.1)
                m.running_mean.copy_(torch.rand(c, generator=gen) * 0.2 - 0.1)
                m.running_var.copy_(torch.rand(c, generator=gen) * 0.5 + 0.75)


def build(name):
    seed = seed_of(name)
    torch.manual_seed(seed)
    model = MODELS[name](weights=None)
    randomise_batchnorm(model, torch.Generator().manual_seed(seed + 1))
    model.eval()
    x = np.random.default_rng(seed).uniform(-1.0, 1.0, size=(1, 3, SIZE, SIZE)).astype("<f4")
    return model, torch.from_numpy(x)


def main(argv):
    if len(argv) == 2 and argv[1] == "--list":
        print("\n".join(MODELS))
        return 0
    if len(argv) != 5 or argv[1] not in MODELS:
        print(__doc__, file=sys.stderr)
        return 2
    name, out_onnx, out_input, rounds = argv[1], argv[2], argv[3], int(argv[4])
    torch.set_num_threads(1)
    model, x = build(name)
    if not (os.path.exists(out_onnx) and os.path.exists(out_input)):
        with torch.no_grad():
            torch.onnx.export(model, x, out_onnx + ".tmp", opset_version=OPSET, input_names=["input"],
                              output_names=["output"], do_constant_folding=True)
        with open(out_input + ".tmp", "wb") as f:
            f.write(x.numpy().tobytes())
        os.replace(out_input + ".tmp", out_input)
        os.replace(out_onnx + ".tmp", out_onnx)
    print_pytorch_ms(model, x, rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
