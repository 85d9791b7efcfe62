#!/usr/bin/python3
"""Exports zoo models to ONNX for the benchmark's ONNX Runtime peer, and times PyTorch for context.

    export_onnx.py MODEL.json OUT.onnx INPUT.bin ROUNDS

Builds the model with the independent PyTorch reference (tools/golden/reference.py) and the zoo weights, exports
it with torch.onnx.export (opset 13), then times PyTorch (1 thread, eval, no grad) and prints
"pytorch_ms=<median>" on stdout.
"""
import os
import sys

import numpy as np
import torch

from torch_timing import print_pytorch_ms  # bench/, beside this script

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "golden"))
import reference  # noqa: E402


def main(model_json, out_onnx, input_bin, rounds):
    import json
    with open(model_json) as f:
        doc = json.load(f)
    model = reference.build_model(doc["meta"])
    reference.load_weights(model, reference.load_constants(model_json, doc))
    model.eval()
    torch.set_num_threads(1)
    size = doc["meta"]["input_size"]
    x = torch.from_numpy(np.fromfile(input_bin, dtype="<f4").reshape(1, 3, size, size))
    if not os.path.exists(out_onnx):
        torch.onnx.export(model, x, out_onnx + ".tmp", opset_version=13, input_names=["input"],
                          output_names=["output"])
        os.replace(out_onnx + ".tmp", out_onnx)
    print_pytorch_ms(model, x, rounds)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
