#!/usr/bin/python3
"""An independent check of shufflec's int8 scheme (docs/quantization.md, "Checked against PyTorch fake-quant"):
the same quantization simulated in float with PyTorch's fake-quant ops agrees with shufflec's int8 interpreter
within one quantum at every layer.

For each model, `shufflec run --quantize int8 --export-int8` gives the quantized graph (every value's scale and zero
point, every layer's attributes and weight scales), its fp32 (BN-folded) weights and every int8 tensor of one run.
This script then computes every layer with its own PyTorch code (F.conv2d, F.avg_pool2d, ...) in float64 on
fake-quantized operands: weights by torch.fake_quantize_per_channel_affine with scales it computes itself
(max|w| / 127, compared with shufflec's), the bias rounded to the scale s_x * s_w, each output by
torch.fake_quantize_per_tensor_affine with shufflec's (s, z). Two runs:
  - per layer: each layer's inputs are shufflec's int8 tensors (dequantized), so a layer's result depends on that
    layer's arithmetic alone; its fake-quant output must be within one quantum of shufflec's, everywhere;
  - the whole network on its own outputs (free running), compared at the model output (reported: differences of one
    quantum at a layer move the next layer's inputs and can add up).
usage: check_fake_quant_torch.py SHUFFLEC SHUFFLEC_ZOO SOURCE_DIR WORK_DIR
Exit 77 (skipped) without torch."""
import gzip
import json
import os
import subprocess
import sys

import numpy as np

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    print("SKIP: python3-torch is not installed")
    sys.exit(77)

torch.set_num_threads(1)


class Export:
    """The JSON and data of `shufflec run --export-int8`."""

    def __init__(self, path):
        with open(path) as f:
            self.meta = json.load(f)
        data = np.fromfile(os.path.join(os.path.dirname(path), self.meta["data_file"]), dtype="<f4")
        self.values = self.meta["values"]
        self.tensors = {}
        for v in self.values:
            if "offset" in v:
                n = int(np.prod(v["shape"]))
                self.tensors[v["id"]] = data[v["offset"]: v["offset"] + n].reshape(v["shape"])

    def is_int8(self, vid):
        return "scale" in self.values[vid]

    def qparams(self, vid):
        v = self.values[vid]
        return float(np.float32(v["scale"])), int(v["zero_point"])

    def real(self, vid):
        """shufflec's tensor as real numbers (float64): int8 values dequantized, float values as they are."""
        t = torch.from_numpy(self.tensors[vid].astype(np.float64))
        if self.is_int8(vid) and not self.values[vid].get("constant"):
            s, z = self.qparams(vid)
            t = (t - z) * s
        return t


def fake_quant(y, s, z):
    """PyTorch's fake quantization to int8 with (s, z): float32 in, float32 out (round half to even)."""
    return torch.fake_quantize_per_tensor_affine(y.to(torch.float32), s, z, -128, 127).to(torch.float64)


def activation(y, name):
    if name in (None, "none"):
        return y
    if name == "relu":
        return torch.clamp(y, min=0.0)
    if name == "relu6":
        return torch.clamp(y, 0.0, 6.0)
    raise SystemExit(f"FAIL: activation {name} has no int8 clamp in the scheme")


def pads_of(a):
    top, left, bottom, right = a["pads"]
    return top, left, bottom, right


def quantized_weights(node, w, x_scale, b, stats):
    """Per-channel symmetric int8 weights (computed here from the fp32 weights) and the bias on scale s_x * s_w."""
    flat = w.reshape(w.shape[0], -1)
    w_scale = (flat.abs().amax(dim=1) / 127.0).to(torch.float32)
    w_scale = torch.where(w_scale > 0, w_scale, torch.ones_like(w_scale))
    ours = np.array(node["quant"]["weight_scales"], dtype=np.float32)
    rel = np.abs(w_scale.numpy() - ours) / ours
    stats["weight_scale_rel"] = max(stats.get("weight_scale_rel", 0.0), float(rel.max()))
    wq = torch.fake_quantize_per_channel_affine(w.to(torch.float32), w_scale, torch.zeros(w.shape[0], dtype=torch.int32),
                                                0, -127, 127)
    # The same values in float64 (q * s_w exactly), so float32 rounding of the products adds no noise of its own.
    per_channel = w_scale.to(torch.float64).reshape([-1] + [1] * (w.dim() - 1))
    wq = torch.round(wq.to(torch.float64) / per_channel) * per_channel
    bq = None
    if b is not None:
        bias_scale = x_scale * w_scale.to(torch.float64)
        bq = torch.round(b / bias_scale) * bias_scale
    return wq, bq


def run_node(ex, node, real_of, stats):
    """One node in float64 on fake-quantized operands; returns its output before the output's fake quantization
    (int8 outputs) or the float output."""
    op, a, ins = node["op"], node["attrs"], node["inputs"]
    x = real_of(ins[0])
    if op in ("quantize", "dequantize", "flatten", "relu", "max_pool", "channel_shuffle", "channel_slice", "concat"):
        if op == "relu":  # a standalone relu node: plain relu unless its activation says relu6
            return activation(x, "relu6" if a.get("activation") == "relu6" else "relu")
        if op == "flatten":
            return x.reshape(x.shape[0], -1)
        if op == "max_pool":
            top, left, bottom, right = pads_of(a)
            if top != bottom or left != right:
                raise SystemExit(f"FAIL: {node['name']}: asymmetric max pool padding is not simulated here")
            return F.max_pool2d(x, a["kernel"], a["stride"], (top, left), a.get("dilation", [1, 1]),
                                a.get("ceil_mode", False))
        if op == "channel_shuffle":
            n, c, h, w = x.shape
            g = a["groups"]
            return x.reshape(n, g, c // g, h, w).transpose(1, 2).reshape(n, c, h, w)
        if op == "channel_slice":
            return x[:, a["begin"]: a["end"]]
        if op == "concat":
            return torch.cat([real_of(i) for i in ins], dim=a["axis"])
        return x
    if op in ("conv2d", "dense"):
        w = torch.from_numpy(ex.tensors[ins[1]].astype(np.float64))
        b = torch.from_numpy(ex.tensors[ins[2]].astype(np.float64)) if len(ins) > 2 else None
        x_scale, _ = ex.qparams(ins[0])
        wq, bq = quantized_weights(node, w, x_scale, b, stats)
        if op == "dense":
            y = F.linear(x, wq, bq)
        else:
            top, left, bottom, right = pads_of(a)
            xp = F.pad(x, (left, right, top, bottom))
            y = F.conv2d(xp, wq, bq, a["stride"], 0, a["dilation"], a["groups"])
            if "out_channel_map" in a:  # the absorbed shuffle: channel m is stored at out_channel_map[m]
                stored = torch.empty_like(y)
                stored[:, a["out_channel_map"]] = y
                y = stored
            if len(ins) > 3:  # fused residual, added before the clamp
                y = y + real_of(ins[3])
        return activation(y, a.get("activation"))
    if op == "add":
        return activation(x + real_of(ins[1]), a.get("activation"))
    if op == "avg_pool":
        top, left, bottom, right = pads_of(a)
        if top != bottom or left != right:
            raise SystemExit(f"FAIL: {node['name']}: asymmetric average pool padding is not simulated here")
        return F.avg_pool2d(x, a["kernel"], a["stride"], (top, left), a.get("ceil_mode", False),
                            a.get("count_include_pad", True))
    if op == "global_avg_pool":
        return x.mean(dim=(2, 3), keepdim=True)
    if op == "softmax":
        return F.softmax(x, dim=a["axis"])
    raise SystemExit(f"FAIL: {node['name']}: op {op} is not simulated here")


def check_model(shufflec, name, model, calibration, input_path, work):
    export_json = os.path.join(work, name + ".int8.json")
    out_path = os.path.join(work, name + ".out.npy")
    subprocess.run([shufflec, "run", model, "--quantize", "int8", "--calibration", calibration, "--input",
                    input_path, "--output", out_path, "--export-int8", export_json], check=True)
    ex = Export(export_json)
    stats = {}
    failures = []
    own = {ex.meta["input"]: torch.from_numpy(ex.tensors[ex.meta["input"]].astype(np.float64))}
    int8_layers = elements = differing = 0
    by_kind = {}  # e.g. "conv2d+residual": [values differing by one, values]
    for node in ex.meta["nodes"]:
        out = node["output"]
        forced = run_node(ex, node, ex.real, stats)
        free = run_node(ex, node, lambda v: own[v] if v in own else ex.real(v), stats)
        if ex.is_int8(out):
            s, z = ex.qparams(out)
            q_torch = torch.round(fake_quant(forced, s, z) / s).to(torch.int64) + z
            q_ours = torch.from_numpy(ex.tensors[out].astype(np.int64))
            diff = (q_torch - q_ours).abs()
            int8_layers += 1
            elements += diff.numel()
            differing += int((diff > 0).sum())
            kind = node["op"] + ("+residual" if node["op"] == "conv2d" and len(node["inputs"]) > 3 else "")
            counts = by_kind.setdefault(kind, [0, 0])
            counts[0] += int((diff > 0).sum())
            counts[1] += diff.numel()
            if int(diff.max()) > 1:
                failures.append(f"{node['name']} ({node['op']}): {int((diff > 1).sum())} of {diff.numel()} values "
                                f"differ by more than one quantum (max {int(diff.max())})")
            own[out] = fake_quant(free, s, z)
        else:
            ours = torch.from_numpy(ex.tensors[out].astype(np.float64))
            err = float((forced - ours).abs().max()) / max(float(ours.abs().max()), 1e-30)
            if err > 1e-5:
                failures.append(f"{node['name']} ({node['op']}): float output differs by {err:.2e} (relative)")
            own[out] = free
    if stats.get("weight_scale_rel", 0.0) > 1e-6:
        failures.append(f"weight scales differ from max|w|/127 by {stats['weight_scale_rel']:.2e} (relative)")
    # The free-running network at the output: in quanta of the output's dequantize input when the model ends there,
    # else (a float softmax after it) as the largest absolute difference.
    output = own[ex.meta["output"]]
    out_ours = torch.from_numpy(np.load(out_path).astype(np.float64)).reshape(output.shape)
    final = ex.meta["nodes"][-1]
    free_diff = float((output - out_ours).abs().max())
    free = (f"{free_diff / ex.qparams(final['inputs'][0])[0]:.2f} quanta" if final["op"] == "dequantize"
            else f"{free_diff:.2e} ({final['op']} output)")
    same_top1 = int(output.reshape(-1).argmax()) == int(out_ours.reshape(-1).argmax())
    print(f"{name}: {int8_layers} int8 layers, {elements} values, {differing} differ by one quantum "
          f"({100.0 * differing / max(elements, 1):.3f}%); weight scales within "
          f"{stats.get('weight_scale_rel', 0.0):.1e} of max|w|/127; free running: output within {free} of "
          f"shufflec's, same top-1: {same_top1}")
    print("  values differing by one quantum, per op: " +
          ", ".join(f"{k} {100.0 * d / n:.2f}% of {n}" for k, (d, n) in sorted(by_kind.items())))
    for f in failures:
        print(f"FAIL: {name}: {f}")
    return not failures


def main():
    if len(sys.argv) != 5:
        raise SystemExit(__doc__)
    shufflec, zoo, source, work = sys.argv[1:5]
    os.makedirs(work, exist_ok=True)
    ok = True
    # Zoo models (random weights; small inputs keep the test fast), calibrated on 4 seeded random inputs.
    models = ["shufflenet_v1_g3_0.25x", "shufflenet_v1_g8_0.25x", "mobilenet_v1_1.0"]
    subprocess.run([zoo, *models, "--input-size", "64", "--out", work], check=True, stdout=subprocess.DEVNULL)
    calibration = os.path.join(work, "calibration.npy")
    np.save(calibration, np.random.default_rng(0).uniform(-1, 1, (4, 3, 64, 64)).astype(np.float32))
    for m in models:
        ok &= check_model(shufflec, m, os.path.join(work, m + ".json"), calibration,
                          os.path.join(work, m + ".input.bin"), work)
    # The trained Fashion-MNIST model, calibrated on the first 64 training images (normalised as classify.c does).
    train = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
    sample = os.path.join(source, "samples", "fashion_mnist", "model")
    if os.path.exists(train):
        with gzip.open(train) as f:
            raw = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
        images = raw[: 64 * 784].reshape(64, 1, 28, 28).astype(np.float32)
        fashion_calibration = os.path.join(work, "fashion_calibration.npy")
        np.save(fashion_calibration, ((images / np.float32(255.0) - np.float32(0.2860)) / np.float32(0.3530))
                .astype(np.float32))
        ok &= check_model(shufflec, "fashion_shufflenet", os.path.join(sample, "fashion_shufflenet.json"),
                          fashion_calibration, os.path.join(sample, "reference_input.bin"), work)
    else:
        print(f"note: {train} is missing (Debian package dataset-fashion-mnist): Fashion-MNIST not checked")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
