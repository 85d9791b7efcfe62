#!/usr/bin/python3
"""Train a small ShuffleNet v1 (g=3) on Fashion-MNIST and export it for shufflec.

Usage (from the repository root; needs Debian's python3-torch, python3-numpy, python3-onnx and the package
dataset-fashion-mnist):

    /usr/bin/python3 samples/fashion_mnist/train.py [--epochs 8] [--threads 1] [--seed 1] [--out DIR]

Writes to DIR (default samples/fashion_mnist/model/):
  fashion_shufflenet.json     the trained network (eval mode) in the shufflec JSON graph format (docs/format.md),
                              ending in a softmax node, so the output is the 10 class probabilities
  fashion_shufflenet.weights  its float32 little-endian weights
  fashion_shufflenet.onnx     the same network (with the softmax) exported by torch.onnx.export, opset 13
  pytorch_predictions.txt     PyTorch's predicted class index for each of the 10,000 test images, one per line

The network (ShuffleNet v1 0.5x, g = 3, adapted to 28x28x1):
  conv1 3x3/1 (1 -> 24), BN, ReLU                     28x28x24   (no max-pool: the images are small)
  stage2: 1 unit stride 2 + 1 unit stride 1           14x14x120
  stage3: 1 unit stride 2 + 3 units stride 1           7x7x240
  stage4: 1 unit stride 2 + 1 unit stride 1            4x4x480
  global average pool, fc (480 -> 10), softmax
Every unit is the paper's: 1x1 group conv (g=3; not grouped in stage2's first unit, whose input has only 24
channels) -> BN -> ReLU -> channel shuffle (g=3) -> 3x3 depthwise conv (stride s) -> BN -> 1x1 group conv (g=3) ->
BN, then ReLU(x + branch) for stride 1, ReLU(concat(AvgPool3x3/s2/p1(x), branch)) for stride 2. The bottleneck is a
quarter of the unit's output channels.

Input normalisation (the C demo applies exactly the same, in float32):
    x = (pixel / 255 - 0.2860) / 0.3530        (pixel = 0..255; 0.2860 / 0.3530 = training-set mean / std)
"""

import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

GROUPS = 3
STEM = 24
WIDTHS = (120, 240, 480)   # stage2..4 output channels (ShuffleNet v1 0.5x, g=3)
REPEATS = (2, 4, 2)        # units per stage (the first one has stride 2)
MEAN = 0.2860
STD = 0.3530
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
           "Ankle boot"]
DATA_DIR = "/usr/share/datasets/fashion-mnist"
NAME = "fashion_shufflenet"
ALIGN = 64  # byte alignment of each constant in the weights file


# ---------------------------------------------------------------------------------------------------------------
# Data

def read_idx(path, magic, dims):
    """Reads a gzip'ed idx file; returns a uint8 array of shape (n, *dims)."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = 1 + len(dims)
    header = 4 + 4 * ndim
    if len(data) < header or int.from_bytes(data[0:4], "big") != magic:
        sys.exit(f"{path}: not an idx file with magic 0x{magic:08x}")
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    if tuple(shape[1:]) != tuple(dims) or len(data) != header + int(np.prod(shape)):
        sys.exit(f"{path}: unexpected shape {shape} or size {len(data)}")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def load_split(split):
    images = os.path.join(DATA_DIR, f"{split}-images-idx3-ubyte.gz")
    labels = os.path.join(DATA_DIR, f"{split}-labels-idx1-ubyte.gz")
    for p in (images, labels):
        if not os.path.isfile(p):
            print(f"missing {p}: install the Debian package dataset-fashion-mnist", file=sys.stderr)
            sys.exit(1)
    x = read_idx(images, 0x00000803, (28, 28))
    y = read_idx(labels, 0x00000801, ())
    if len(x) != len(y):
        sys.exit(f"{images}: {len(x)} images but {len(y)} labels")
    return x, y


def normalise(pixels_u8):
    """uint8 [n, 28, 28] -> float32 [n, 1, 28, 28], computed in float32 exactly as classify.c does."""
    x = pixels_u8.astype(np.float32) / np.float32(255.0)
    x = (x - np.float32(MEAN)) / np.float32(STD)
    return torch.from_numpy(np.ascontiguousarray(x[:, None, :, :]))


def augment(batch_u8, gen):
    """Light augmentation on raw pixels: random crop 28x28 out of the image zero-padded by 2, and a horizontal flip
    with probability 1/2. Deterministic given the generator."""
    n = batch_u8.shape[0]
    padded = np.zeros((n, 32, 32), dtype=np.uint8)
    padded[:, 2:30, 2:30] = batch_u8
    offs = torch.randint(0, 5, (n, 2), generator=gen).numpy()
    flips = torch.randint(0, 2, (n,), generator=gen).numpy()
    out = np.empty_like(batch_u8)
    for i in range(n):
        dy, dx = offs[i]
        crop = padded[i, dy:dy + 28, dx:dx + 28]
        out[i] = crop[:, ::-1] if flips[i] else crop
    return out


# ---------------------------------------------------------------------------------------------------------------
# Model. Module names are chosen so that state_dict keys are exactly the constant names in the exported graph.

def channel_shuffle(x, g):
    # Reshape channels to (g, n), transpose to (n, g), flatten: output channel i*g + j is input channel j*n + i.
    n, c, h, w = x.shape
    return x.view(n, g, c // g, h, w).transpose(1, 2).reshape(n, c, h, w)


class ShuffleUnit(nn.Module):
    def __init__(self, cin, cout, stride, first_groups):
        super().__init__()
        self.stride = stride
        mid = cout // 4
        branch_out = cout - cin if stride == 2 else cout
        self.conv1 = nn.Conv2d(cin, mid, 1, groups=first_groups, bias=False)
        self.bn1 = nn.BatchNorm2d(mid)
        self.dwconv = nn.Conv2d(mid, mid, 3, stride=stride, padding=1, groups=mid, bias=False)
        self.bn2 = nn.BatchNorm2d(mid)
        self.conv2 = nn.Conv2d(mid, branch_out, 1, groups=GROUPS, bias=False)
        self.bn3 = nn.BatchNorm2d(branch_out)

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = channel_shuffle(y, GROUPS)
        y = self.bn2(self.dwconv(y))
        y = self.bn3(self.conv2(y))
        if self.stride == 1:
            return F.relu(x + y)
        return F.relu(torch.cat([F.avg_pool2d(x, 3, 2, 1), y], 1))


class FashionShuffleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, STEM, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(STEM)
        cin = STEM
        for s, (width, reps) in enumerate(zip(WIDTHS, REPEATS)):
            units = []
            for i in range(reps):
                units.append(ShuffleUnit(cin, width, 2 if i == 0 else 1, 1 if (s == 0 and i == 0) else GROUPS))
                cin = width
            setattr(self, f"stage{s + 2}", nn.Sequential(*units))
        self.fc = nn.Linear(cin, len(CLASSES))

    def forward(self, x):  # logits
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.stage4(self.stage3(self.stage2(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class WithSoftmax(nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return F.softmax(self.net(x), dim=1)


# ---------------------------------------------------------------------------------------------------------------
# Export to the shufflec JSON graph format

class GraphWriter:
    def __init__(self, state):
        self.state = {k: v.detach().cpu().float().contiguous() for k, v in state.items()}
        self.constants = []
        self.nodes = []
        self.blob = bytearray()

    def const(self, name):
        t = self.state[name]
        pad = (-len(self.blob)) % ALIGN
        self.blob += b"\0" * pad
        self.constants.append({"name": name, "shape": list(t.shape), "offset": len(self.blob)})
        self.blob += t.numpy().astype("<f4").tobytes()
        return name

    def node(self, name, op, inputs, attrs=None):
        n = {"name": name, "op": op, "inputs": inputs}
        if attrs:
            n["attrs"] = attrs
        self.nodes.append(n)
        return name

    def conv(self, name, x, stride, pads, groups):
        attrs = {"stride": stride, "pads": pads}
        if groups != 1:
            attrs["groups"] = groups
        return self.node(name, "conv2d", [x, self.const(name + ".weight")], attrs)

    def bn(self, name, x, eps):
        ins = [x] + [self.const(f"{name}.{k}") for k in ("weight", "bias", "running_mean", "running_var")]
        return self.node(name, "batch_norm", ins, {"epsilon": eps})


def export_graph(net, out_dir, meta):
    """Writes NAME.json and NAME.weights for net (eval-mode semantics: BN uses its running statistics)."""
    w = GraphWriter(net.state_dict())
    x = w.conv("conv1", "input", 1, 1, 1)
    x = w.bn("bn1", x, net.bn1.eps)
    x = w.node("relu1", "relu", [x])
    for s in range(3):
        for i, unit in enumerate(getattr(net, f"stage{s + 2}")):
            p = f"stage{s + 2}.{i}"
            y = w.conv(p + ".conv1", x, 1, 0, unit.conv1.groups)
            y = w.bn(p + ".bn1", y, unit.bn1.eps)
            y = w.node(p + ".relu1", "relu", [y])
            y = w.node(p + ".shuffle", "channel_shuffle", [y], {"groups": GROUPS})
            y = w.conv(p + ".dwconv", y, unit.stride, 1, unit.dwconv.groups)
            y = w.bn(p + ".bn2", y, unit.bn2.eps)
            y = w.conv(p + ".conv2", y, 1, 0, unit.conv2.groups)
            y = w.bn(p + ".bn3", y, unit.bn3.eps)
            if unit.stride == 1:
                x = w.node(p + ".add", "add", [x, y])
            else:
                sc = w.node(p + ".shortcut", "avg_pool", [x],
                            {"kernel": 3, "stride": 2, "pads": 1, "count_include_pad": True})
                x = w.node(p + ".concat", "concat", [sc, y])
            x = w.node(p + ".relu", "relu", [x])
    x = w.node("globalpool", "global_avg_pool", [x])
    x = w.node("flatten", "flatten", [x])
    x = w.node("fc", "dense", [x, w.const("fc.weight"), w.const("fc.bias")])
    out = w.node("softmax", "softmax", [x])

    used = {c["name"] for c in w.constants}
    unused = [k for k in w.state if k not in used and not k.endswith("num_batches_tracked")]
    if unused:
        raise RuntimeError(f"state_dict entries not exported: {unused}")

    def kv(key, value):
        return f"  {json.dumps(key)}: {json.dumps(value)}"

    lines = ["{",
             kv("format", "shufflec-graph") + ",",
             kv("version", 1) + ",",
             kv("name", NAME) + ",",
             kv("weights_file", NAME + ".weights") + ",",
             kv("weights_bytes", len(w.blob)) + ",",
             kv("inputs", [{"name": "input", "shape": [1, 1, 28, 28]}]) + ",",
             kv("outputs", [out]) + ",",
             kv("meta", meta) + ",",
             '  "constants": [']
    lines += ["    " + json.dumps(c) + ("," if i + 1 < len(w.constants) else "") for i, c in enumerate(w.constants)]
    lines += ["  ],", '  "nodes": [']
    lines += ["    " + json.dumps(n) + ("," if i + 1 < len(w.nodes) else "") for i, n in enumerate(w.nodes)]
    lines += ["  ]", "}"]
    with open(os.path.join(out_dir, NAME + ".json"), "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(os.path.join(out_dir, NAME + ".weights"), "wb") as f:
        f.write(bytes(w.blob))
    return len(w.blob)


def load_exported(json_path):
    """Rebuilds the PyTorch network from an exported JSON graph + weights file (used by verify.py)."""
    with open(json_path) as f:
        g = json.load(f)
    with open(os.path.join(os.path.dirname(json_path), g["weights_file"]), "rb") as f:
        blob = f.read()
    if len(blob) != g["weights_bytes"]:
        raise RuntimeError(f"{json_path}: weights file has {len(blob)} bytes, expected {g['weights_bytes']}")
    net = FashionShuffleNet()
    state = net.state_dict()
    for c in g["constants"]:
        n = int(np.prod(c["shape"]))
        a = np.frombuffer(blob, dtype="<f4", count=n, offset=c["offset"]).reshape(c["shape"])
        if tuple(state[c["name"]].shape) != tuple(c["shape"]):
            raise RuntimeError(f"{c['name']}: shape {c['shape']} != {tuple(state[c['name']].shape)}")
        state[c["name"]] = torch.from_numpy(a.astype(np.float32))
    net.load_state_dict(state)
    return net.eval()


# ---------------------------------------------------------------------------------------------------------------

@torch.no_grad()
def evaluate(net, x, y, batch=100):
    net.eval()
    preds = []
    for i in range(0, len(x), batch):
        preds.append(net(x[i:i + batch]).argmax(1))
    preds = torch.cat(preds)
    return (preds == y).float().mean().item() * 100.0, preds


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.2, help="peak learning rate of the one-cycle schedule")
    ap.add_argument("--wd", type=float, default=5e-5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--limit", type=int, default=0, help="use only the first N training images (smoke tests)")
    ap.add_argument("--out", default=os.path.join(here, "model"))
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.use_deterministic_algorithms(True)

    train_x, train_y = load_split("train")
    test_x, test_y = load_split("t10k")
    if args.limit:
        train_x, train_y = train_x[:args.limit], train_y[:args.limit]
    train_y_t = torch.from_numpy(train_y.astype(np.int64))
    test_in = normalise(test_x)
    test_y_t = torch.from_numpy(test_y.astype(np.int64))
    print(f"train {len(train_x)} images (pixel mean {train_x.mean() / 255:.4f}, std {train_x.std() / 255:.4f}; "
          f"using {MEAN} / {STD}), test {len(test_x)}; torch {torch.__version__}, {args.threads} thread(s)",
          flush=True)

    net = FashionShuffleNet()
    params = sum(p.numel() for p in net.parameters())
    print(f"model: {params} parameters", flush=True)
    # No weight decay on BN parameters and biases.
    decay = [p for n, p in net.named_parameters() if p.dim() > 1]
    no_decay = [p for n, p in net.named_parameters() if p.dim() <= 1]
    opt = torch.optim.SGD([{"params": decay, "weight_decay": args.wd}, {"params": no_decay, "weight_decay": 0}],
                          lr=args.lr, momentum=0.9, nesterov=True)
    steps_per_epoch = (len(train_x) + args.batch - 1) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, epochs=args.epochs,
                                                steps_per_epoch=steps_per_epoch, pct_start=0.2)
    gen = torch.Generator().manual_seed(args.seed)  # data order and augmentation

    start = time.time()
    cpu_start = time.process_time()
    for epoch in range(args.epochs):
        net.train()
        t0 = time.time()
        order = torch.randperm(len(train_x), generator=gen).numpy()
        total_loss, correct, seen = 0.0, 0, 0
        for b in range(steps_per_epoch):
            idx = order[b * args.batch:(b + 1) * args.batch]
            xb = normalise(augment(train_x[idx], gen))
            yb = train_y_t[idx]
            logits = net(xb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total_loss += loss.item() * len(idx)
            correct += (logits.argmax(1) == yb).sum().item()
            seen += len(idx)
        acc, _ = evaluate(net, test_in, test_y_t)
        print(f"epoch {epoch + 1}/{args.epochs}: loss {total_loss / seen:.4f}, "
              f"train acc {100.0 * correct / seen:.2f}%, test acc {acc:.2f}%, {time.time() - t0:.0f} s", flush=True)
    train_time = time.time() - start
    train_cpu = time.process_time() - cpu_start

    net.eval()
    acc, preds = evaluate(net, test_in, test_y_t)
    print(f"training time {train_time:.0f} s wall ({train_time / 60:.1f} min), {train_cpu:.0f} s CPU; "
          f"final test accuracy {acc:.2f}% ({int((preds == test_y_t).sum())} / {len(test_y_t)})", flush=True)

    os.makedirs(args.out, exist_ok=True)
    meta = {
        "family": "shufflenet_v1", "groups": GROUPS, "stem": STEM, "widths": list(WIDTHS), "repeats": list(REPEATS),
        "dataset": "fashion-mnist", "classes": CLASSES,
        "input": "float32 [1,1,28,28]: (pixel / 255 - 0.2860) / 0.3530",
        "output": "class probabilities (softmax)",
        "pytorch_test_accuracy": round(acc, 2), "train_epochs": args.epochs, "seed": args.seed,
    }
    nbytes = export_graph(net, args.out, meta)
    with open(os.path.join(args.out, "pytorch_predictions.txt"), "w") as f:
        f.write("".join(f"{int(p)}\n" for p in preds))
    torch.onnx.export(WithSoftmax(net).eval(), torch.zeros(1, 1, 28, 28), os.path.join(args.out, NAME + ".onnx"),
                      opset_version=13, input_names=["input"], output_names=["softmax"])
    import onnx
    onnx.checker.check_model(onnx.load(os.path.join(args.out, NAME + ".onnx")))
    print(f"wrote {args.out}/{NAME}.json, .weights ({nbytes} bytes), .onnx and pytorch_predictions.txt", flush=True)


if __name__ == "__main__":
    main()
