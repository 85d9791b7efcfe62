#!/usr/bin/env python3
"""`shufflec diff` against a PyTorch reference written the way docs/debugging.md shows (forward hooks, np.savez).

samples/hand/tiny.json rebuilt as a PyTorch module whose leaf modules carry the graph's node names: the untouched
reference passes (exit 0); with one weight of the reference model perturbed (not of the compiled model), diff names
that layer. The model exported to ONNX passes against the reference keyed by ONNX tensor names. Exit 77 (skipped)
without torch.
usage: check_diff_torch.py SHUFFLEC SOURCE_DIR WORK_DIR"""
import json
import os
import shutil
import subprocess
import sys

try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    sys.exit(77)

shufflec, source, work = sys.argv[1:4]
model_path = os.path.join(source, "samples/hand/tiny.json")
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
doc = json.load(open(model_path))
const = {c["name"]: torch.tensor(c["values"], dtype=torch.float32).reshape(c["shape"]) for c in doc["constants"]}


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.bn1, self.relu1 = nn.Conv2d(3, 6, 3, padding=1), nn.BatchNorm2d(6), nn.ReLU()
        self.gconv = nn.Conv2d(6, 6, 1, groups=2, bias=False)
        self.dw = nn.Conv2d(6, 6, 3, padding=1, groups=6, bias=False)
        self.pool, self.avg, self.fc = nn.MaxPool2d(3, 2, 1), nn.AvgPool2d(3, 2, 1), nn.Linear(12, 4)

    def forward(self, x):
        r = self.relu1(self.bn1(self.conv1(x)))
        g = self.gconv(r)
        n, c, h, w = g.shape
        s = g.view(n, 2, c // 2, h, w).transpose(1, 2).reshape(n, c, h, w)
        a = F.relu(self.dw(s) + r)
        cat = torch.cat([self.avg(a), self.pool(a)], 1)
        return F.softmax(self.fc(torch.flatten(F.adaptive_avg_pool2d(cat, 1), 1)), 1)


def reference(perturb, onnx_path=None):
    model = Tiny().eval()
    with torch.no_grad():
        for module, field, name in [("conv1", "weight", "conv1.weight"), ("conv1", "bias", "conv1.bias"),
                                    ("bn1", "weight", "bn1.scale"), ("bn1", "bias", "bn1.bias"),
                                    ("bn1", "running_mean", "bn1.mean"), ("bn1", "running_var", "bn1.var"),
                                    ("gconv", "weight", "gconv.weight"), ("dw", "weight", "dw.weight"),
                                    ("fc", "weight", "fc.weight"), ("fc", "bias", "fc.bias")]:
            getattr(getattr(model, module), field).copy_(const[name])
        if perturb:
            model.gconv.weight[2, 1, 0, 0] += 0.5
    # The docs/debugging.md example:
    x = torch.from_numpy(np.load(os.path.join(work, "x.npy")))
    outputs = {}

    def record(name):
        return lambda module, args, out: outputs.__setitem__(name, out.detach().numpy().astype(np.float32))
    for name, module in model.named_modules():
        if name and not list(module.children()):
            module.register_forward_hook(record(name))
    with torch.no_grad():
        model(x)
    if onnx_path:
        # The same model as ONNX: the reference keyed by ONNX tensor names, as ONNX Runtime would give them.
        import onnx
        torch.onnx.export(model, x, onnx_path, opset_version=13)
        tensor_of = {n.name.split("/")[1]: n.output[0] for n in onnx.load(onnx_path).graph.node
                     if n.name.count("/") == 2}
        outputs = {tensor_of[name]: value for name, value in outputs.items() if name in tensor_of}
    path = os.path.join(work, ("bad" if perturb else "ok") + (".onnx" if onnx_path else "") + ".npz")
    np.savez(path, **outputs)
    return path


np.save(os.path.join(work, "x.npy"), np.random.default_rng(0).uniform(-1, 1, (1, 3, 8, 8)).astype(np.float32))
for perturb, want_status, want_line in [(False, 0, "first diverging node: none"),
                                        (True, 1, "first diverging node: gconv")]:
    run = subprocess.run([shufflec, "diff", model_path, "--input", os.path.join(work, "x.npy"), "--reference",
                          reference(perturb)], capture_output=True, text=True)
    if run.returncode != want_status or want_line not in run.stdout.splitlines():
        sys.exit(f"expected status {want_status} and '{want_line}', got {run.returncode}:\n{run.stdout}{run.stderr}")
try:
    import onnx  # noqa: F401
    onnx_model = os.path.join(work, "tiny.onnx")
    run = subprocess.run([shufflec, "diff", onnx_model, "--input", os.path.join(work, "x.npy"), "--reference",
                          reference(False, onnx_model)], capture_output=True, text=True)
    if run.returncode != 0 or "/gconv/Conv " not in run.stdout:
        sys.exit(f"the ONNX export against tensor-name keys: status {run.returncode}:\n{run.stdout}{run.stderr}")
except ImportError:
    pass
shutil.rmtree(work)
