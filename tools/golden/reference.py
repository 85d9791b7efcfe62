#!/usr/bin/python3
"""Independent PyTorch oracle for the shufflec sample zoo.

    reference.py MODEL.json INPUT.bin OUTPUT.bin

The networks below are written from the papers (ShuffleNet v1: Zhang et al. 2017, arXiv 1707.01083; MobileNet v1:
Howard et al. 2017; AlexNet in torchvision's layout), not from the zoo's JSON graph: from the JSON this script reads
only `meta` (family, groups, scale, input_size), the `constants` table (name -> shape, offset) and the location and
size of the weights file. It builds the model, loads every constant by name into the module's state_dict (the
constant names are the state_dict keys; a missing, extra or differently shaped tensor is a hard error), runs the
raw float32 little-endian input [1, 3, S, S] through it in float32 (eval mode, 2 threads) and writes the output as
raw float32 little-endian. It also runs the same model in float64 and reports the float32-vs-float64 relative error
(max |y32 - y64| / max |y64|) as a sanity figure, on stdout:

    NAME<TAB>std=...<TAB>min=...<TAB>max=...<TAB>f32_vs_f64=...

Needs python3-torch and python3-numpy (Debian): run with /usr/bin/python3.
"""

import copy
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class ReferenceError_(Exception):
    pass


def die(msg):
    raise ReferenceError_(msg)


# ----------------------------------------------------------------------------------------------------------------
# ShuffleNet v1

SHUFFLENET_BASE = {1: 144, 2: 200, 3: 240, 4: 272, 8: 384}  # stage-2 output channels at 1x (paper, Table 1)


def round_half_up(x):
    # Same rounding as samples/zoo/zoo.cpp (floor(x + 0.5)); Python's round() rounds halves to even.
    return math.floor(x + 0.5)


def shufflenet_channels(g, s):
    """The channel rule of docs/zoo.md: (conv1 channels, [stage2, stage3, stage4] output channels)."""
    if g not in SHUFFLENET_BASE:
        die(f"ShuffleNet v1 groups must be one of 1, 2, 3, 4, 8 (got {g})")
    c24 = round_half_up(24.0 * s)
    c1 = max(g, -(-c24 // g) * g)
    stages = []
    for i in range(3):
        b = SHUFFLENET_BASE[g] << i
        stages.append(4 * g * max(1, round_half_up(b * s / (4 * g))))
    return c1, stages


def channel_shuffle(x, groups):
    # Paper: reshape the channels to (groups, n), transpose to (n, groups), flatten.
    # Output channel i*groups + j is input channel j*n + i.
    n_, c, h, w = x.shape
    n = c // groups
    return x.reshape(n_, groups, n, h, w).transpose(1, 2).reshape(n_, c, h, w)


class ShuffleUnit(nn.Module):
    def __init__(self, cin, cout, stride, groups, first_groups):
        super().__init__()
        if stride == 1 and cin != cout:
            die(f"stride-1 ShuffleNet unit needs cin == cout (got {cin} -> {cout})")
        if stride == 2 and cout <= cin:
            die(f"stride-2 ShuffleNet unit needs cout > cin (got {cin} -> {cout})")
        mid = cout // 4
        self.stride = stride
        self.groups = groups
        self.conv1 = nn.Conv2d(cin, mid, 1, groups=first_groups, bias=False)
        self.bn1 = nn.BatchNorm2d(mid, eps=1e-5)
        self.dwconv = nn.Conv2d(mid, mid, 3, stride=stride, padding=1, groups=mid, bias=False)
        self.bn2 = nn.BatchNorm2d(mid, eps=1e-5)
        self.conv2 = nn.Conv2d(mid, cout if stride == 1 else cout - cin, 1, groups=groups, bias=False)
        self.bn3 = nn.BatchNorm2d(self.conv2.out_channels, eps=1e-5)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        if self.groups > 1:
            y = channel_shuffle(y, self.groups)
        y = self.bn2(self.dwconv(y))  # no ReLU after the depthwise conv
        y = self.bn3(self.conv2(y))
        if self.stride == 1:
            return F.relu(x + y)
        shortcut = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=True)
        return F.relu(torch.cat([shortcut, y], dim=1))


class ShuffleNetV1(nn.Module):
    def __init__(self, groups, scale, num_classes=1000):
        super().__init__()
        c1, stages = shufflenet_channels(groups, scale)
        self.conv1 = nn.Conv2d(3, c1, 3, stride=2, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c1, eps=1e-5)
        cin = c1
        for idx, (cout, repeat) in enumerate(zip(stages, (4, 8, 4))):
            units = []
            for i in range(repeat):
                first_groups = 1 if (idx == 0 and i == 0) else groups  # stage 2's first 1x1 conv is not grouped
                units.append(ShuffleUnit(cin, cout, 2 if i == 0 else 1, groups, first_groups))
                cin = cout
            setattr(self, f"stage{idx + 2}", nn.Sequential(*units))
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.max_pool2d(x, 3, stride=2, padding=1)
        x = self.stage4(self.stage3(self.stage2(x)))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x)


# ----------------------------------------------------------------------------------------------------------------
# MobileNet v1 (width 1.0)

MOBILENET_BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2),
                                                                                                   (1024, 1)]


class MobileNetV1(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv0 = nn.Conv2d(3, 32, 3, stride=2, padding=1, bias=False)
        self.bn0 = nn.BatchNorm2d(32, eps=1e-5)
        cin = 32
        for i, (cout, stride) in enumerate(MOBILENET_BLOCKS, start=1):
            self.add_module(f"dw{i}", nn.Conv2d(cin, cin, 3, stride=stride, padding=1, groups=cin, bias=False))
            self.add_module(f"dw{i}_bn", nn.BatchNorm2d(cin, eps=1e-5))
            self.add_module(f"pw{i}", nn.Conv2d(cin, cout, 1, bias=False))
            self.add_module(f"pw{i}_bn", nn.BatchNorm2d(cout, eps=1e-5))
            cin = cout
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = F.relu(self.bn0(self.conv0(x)))
        for i in range(1, len(MOBILENET_BLOCKS) + 1):
            x = F.relu(getattr(self, f"dw{i}_bn")(getattr(self, f"dw{i}")(x)))
            x = F.relu(getattr(self, f"pw{i}_bn")(getattr(self, f"pw{i}")(x)))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x)


# ----------------------------------------------------------------------------------------------------------------
# AlexNet (torchvision layout: no LRN; dropout is the identity at inference; the adaptive 6x6 average pool is the
# identity at 224x224 and is left out, so fc6 reads 256 * H5 * W5 features of pool5 at any input size)


def alexnet_pool5_size(s):
    def win(i, k, st, p):
        if i + 2 * p < k:
            die(f"input size too small for AlexNet (a {k}x{k} window sees {i} pixels)")
        return (i + 2 * p - k) // st + 1

    s = win(s, 11, 4, 2)  # conv1
    s = win(s, 3, 2, 0)  # pool1
    s = win(s, 5, 1, 2)  # conv2
    s = win(s, 3, 2, 0)  # pool2
    s = win(s, 3, 1, 1)  # conv3..conv5 keep the size
    return win(s, 3, 2, 0)  # pool5


class AlexNet(nn.Module):
    def __init__(self, input_size, num_classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 11, stride=4, padding=2)
        self.conv2 = nn.Conv2d(64, 192, 5, padding=2)
        self.conv3 = nn.Conv2d(192, 384, 3, padding=1)
        self.conv4 = nn.Conv2d(384, 256, 3, padding=1)
        self.conv5 = nn.Conv2d(256, 256, 3, padding=1)
        p5 = alexnet_pool5_size(input_size)
        self.fc6 = nn.Linear(256 * p5 * p5, 4096)
        self.fc7 = nn.Linear(4096, 4096)
        self.fc8 = nn.Linear(4096, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 3, stride=2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 3, stride=2)
        x = F.relu(self.conv3(x))
        x = F.relu(self.conv4(x))
        x = F.max_pool2d(F.relu(self.conv5(x)), 3, stride=2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc6(x))
        x = F.relu(self.fc7(x))
        return self.fc8(x)


# ----------------------------------------------------------------------------------------------------------------
# Loading


def build_model(meta):
    family = meta.get("family")
    s = meta.get("input_size")
    if not isinstance(s, int) or s < 1:
        die(f"meta.input_size must be a positive integer (got {s!r})")
    if family == "shufflenet_v1":
        g, scale = meta.get("groups"), meta.get("scale")
        if not isinstance(g, int) or not isinstance(scale, (int, float)) or not scale > 0:
            die(f"meta.groups / meta.scale invalid ({g!r}, {scale!r})")
        return ShuffleNetV1(g, float(scale))
    if family == "mobilenet_v1":
        if float(meta.get("scale", 1.0)) != 1.0:
            die("only MobileNet v1 1.0 is supported")
        return MobileNetV1()
    if family == "alexnet":
        return AlexNet(s)
    die(f"unknown meta.family {family!r}")


def load_constants(model_json_path, doc):
    """name -> float32 numpy array, from the `constants` table and the weights file."""
    consts = doc.get("constants")
    if not isinstance(consts, list):
        die("no constants table")
    blob = None
    if any("offset" in c for c in consts):
        wf = doc.get("weights_file")
        if not isinstance(wf, str):
            die("constants have offsets but there is no weights_file")
        path = os.path.join(os.path.dirname(os.path.abspath(model_json_path)), wf)
        with open(path, "rb") as f:
            blob = f.read()
        if len(blob) != doc.get("weights_bytes"):
            die(f"{path}: {len(blob)} bytes, but weights_bytes says {doc.get('weights_bytes')}")
    out = {}
    for c in consts:
        name, shape = c["name"], tuple(c["shape"])
        if name in out:
            die(f"constant {name} defined twice")
        count = math.prod(shape)
        if "offset" in c:
            off = c["offset"]
            if off % 4 != 0 or off < 0 or off + 4 * count > len(blob):
                die(f"constant {name}: offset {off} and {count} floats do not fit the weights file")
            arr = np.frombuffer(blob, dtype="<f4", count=count, offset=off)
        else:
            arr = np.asarray(c["values"], dtype=np.float32)
            if arr.size != count:
                die(f"constant {name}: {arr.size} values for shape {list(shape)}")
        arr = arr.astype(np.float32).reshape(shape)
        if not np.all(np.isfinite(arr)):
            die(f"constant {name} holds non-finite values")
        out[name] = arr
    return out


def load_weights(model, consts):
    sd = model.state_dict()
    expected = {k for k in sd if not k.endswith(".num_batches_tracked")}
    missing = sorted(expected - consts.keys())
    extra = sorted(consts.keys() - expected)
    if missing or extra:
        die(f"constants do not match the model: missing {missing[:5]}{'...' if len(missing) > 5 else ''}, "
            f"unexpected {extra[:5]}{'...' if len(extra) > 5 else ''}")
    new_sd = {}
    for k, v in sd.items():
        if k.endswith(".num_batches_tracked"):
            new_sd[k] = v
            continue
        if tuple(v.shape) != consts[k].shape:
            die(f"constant {k}: shape {list(consts[k].shape)}, but the model expects {list(v.shape)}")
        new_sd[k] = torch.from_numpy(consts[k].copy())
    model.load_state_dict(new_sd, strict=True)


def main(argv):
    if len(argv) != 4:
        print("usage: reference.py MODEL.json INPUT.bin OUTPUT.bin", file=sys.stderr)
        return 2
    json_path, input_path, output_path = argv[1:]
    torch.set_num_threads(2)
    with open(json_path, "r", encoding="utf-8") as f:
        doc = json.load(f)
    meta = doc.get("meta")
    if not isinstance(meta, dict):
        die("the model has no meta object")
    s = meta.get("input_size")

    model = build_model(meta)
    load_weights(model, load_constants(json_path, doc))
    model.eval()

    with open(input_path, "rb") as f:
        raw = f.read()
    if len(raw) != 4 * 3 * s * s:
        die(f"{input_path}: {len(raw)} bytes, expected {4 * 3 * s * s} for a [1, 3, {s}, {s}] float32 input")
    x = torch.from_numpy(np.frombuffer(raw, dtype="<f4").astype(np.float32).reshape(1, 3, s, s))

    with torch.no_grad():
        y32 = model(x)
        y64 = copy.deepcopy(model).double()(x.double())
    if y32.dtype != torch.float32 or not torch.all(torch.isfinite(y32)):
        die("float32 output is not finite")
    y = y32.numpy().astype("<f4")
    denom = float(y64.abs().max())
    rel = float((y32.double() - y64).abs().max()) / denom if denom > 0 else float("inf")
    with open(output_path, "wb") as f:
        f.write(y.tobytes())
    name = doc.get("name", os.path.basename(json_path))
    print(f"{name}\tstd={float(y.std()):.6g}\tmin={float(y.min()):.6g}\tmax={float(y.max()):.6g}"
          f"\tf32_vs_f64={rel:.3g}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (ReferenceError_, OSError, ValueError, KeyError, json.JSONDecodeError) as e:
        print(f"reference.py: error: {e}", file=sys.stderr)
        sys.exit(1)
