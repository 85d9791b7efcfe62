#!/usr/bin/python3
"""Small hand-built ONNX models covering the ONNX frontend's op mappings that PyTorch's exporter does not produce
(asymmetric pads, auto_pad, Pad + AveragePool, ceil_mode, count_include_pad both ways, relu6 that cannot be fused,
Gemm with transB = 0 / alpha / beta, MatMul + Add, both channel-shuffle patterns, Split/Slice of channels,
ReduceMean, no-op Transpose, Softmax before and after opset 13, opsets 11 to 18). Built with the onnx package's
helper API, random weights from a fixed seed; ONNX Runtime gives the expected outputs (tests/onnx).

    make_op_models.py OUT_DIR [NAME ...]    write OUT_DIR/NAME.onnx and OUT_DIR/NAME.input.bin (default: all)
    make_op_models.py --list

Before writing anything it checks, with numpy, that PyTorch's channel-shuffle export pattern (Reshape to
[N, g, C/g, H, W], Transpose perm [0, 2, 1, 3, 4], Reshape back) is exactly the ShuffleNet paper's permutation
"output channel i*g + j is input channel j*n + i" (n = C/g), and that the inverse pattern (Reshape to
[N, C/g, g, H, W]) is the same permutation with groups C/g. Needs python3-onnx and python3-numpy (Debian).
"""

import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper


def check_shuffle_permutation():
    for c, g in ((12, 3), (24, 4), (30, 2), (16, 8), (6, 1)):
        n = c // g
        x = np.arange(2 * c * 3 * 2, dtype=np.float32).reshape(2, c, 3, 2)
        pattern = x.reshape(2, g, n, 3, 2).transpose(0, 2, 1, 3, 4).reshape(2, c, 3, 2)
        paper = np.empty_like(x)
        for i in range(n):
            for j in range(g):
                paper[:, i * g + j] = x[:, j * n + i]
        assert np.array_equal(pattern, paper), (c, g)
        # The inverse pattern splits the channels the other way round: channel_shuffle with groups C/g.
        inverse = x.reshape(2, n, g, 3, 2).transpose(0, 2, 1, 3, 4).reshape(2, c, 3, 2)
        paper_inv = np.empty_like(x)
        for i in range(g):
            for j in range(n):
                paper_inv[:, i * n + j] = x[:, j * g + i]
        assert np.array_equal(inverse, paper_inv), (c, g)


class Builder:
    def __init__(self, name, input_shape, seed):
        self.name = name
        self.rng = np.random.default_rng(seed)
        self.nodes, self.inits = [], []
        self.input_shape = input_shape
        self.count = 0

    def fresh(self, base):
        self.count += 1
        return f"{base}_{self.count}"

    def const(self, array, base="w"):
        name = self.fresh(base)
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def weight(self, shape, scale=None):
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else int(shape[0])
        scale = scale if scale is not None else 1.0 / np.sqrt(max(1, fan_in))
        return self.const(self.rng.uniform(-scale, scale, size=shape).astype(np.float32))

    def node(self, op, inputs, n_out=1, **attrs):
        outs = [self.fresh(op.lower()) for _ in range(n_out)]
        self.nodes.append(helper.make_node(op, inputs, outs, name=self.fresh(op), **attrs))
        return outs[0] if n_out == 1 else outs

    def conv(self, x, cin, cout, k, group=1, bias=True, **attrs):
        ins = [x, self.weight((cout, cin // group, k, k))]
        if bias:
            ins.append(self.const(self.rng.uniform(-0.1, 0.1, size=cout).astype(np.float32), "b"))
        return self.node("Conv", ins, group=group, kernel_shape=[k, k], **attrs)

    def bn(self, x, c):
        r = self.rng
        return self.node("BatchNormalization",
                         [x, self.const(r.uniform(0.5, 1.5, c).astype(np.float32), "scale"),
                          self.const(r.uniform(-0.2, 0.2, c).astype(np.float32), "bias"),
                          self.const(r.uniform(-0.2, 0.2, c).astype(np.float32), "mean"),
                          self.const(r.uniform(0.5, 1.5, c).astype(np.float32), "var")], epsilon=1e-3)

    def ints(self, values):
        return self.const(np.array(values, dtype=np.int64), "shape")

    def scalar(self, v):
        return self.const(np.array(v, dtype=np.float32), "s")

    def model(self, out, opset):
        x = helper.make_tensor_value_info("input", TensorProto.FLOAT, list(self.input_shape))
        y = helper.make_tensor_value_info(out, TensorProto.FLOAT, None)
        g = helper.make_graph(self.nodes, self.name, [x], [y], initializer=self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="make_op_models.py")
        m.ir_version = 8
        return m


def head(b, x, c, classes=10, opset=13):
    """GlobalAveragePool -> Flatten -> Gemm -> Softmax."""
    x = b.node("GlobalAveragePool", [x])
    x = b.node("Flatten", [x], axis=1)
    x = b.node("Gemm", [x, b.weight((classes, c)), b.const(b.rng.uniform(-0.1, 0.1, classes).astype(np.float32))],
               transB=1)
    return b.node("Softmax", [x], axis=1) if opset < 13 else b.node("Softmax", [x])


def m_conv_pads(b):
    # Asymmetric pads, strides, dilations, groups, bias; auto_pad SAME_UPPER / SAME_LOWER / VALID on odd sizes.
    x = b.conv("input", 4, 8, 3, group=2, pads=[0, 1, 2, 1], strides=[2, 1], dilations=[1, 2])
    x = b.node("Relu", [x])
    x = b.conv(x, 8, 8, 3, auto_pad="SAME_UPPER", strides=[2, 2])
    x = b.conv(x, 8, 8, 2, group=8, auto_pad="SAME_LOWER", strides=[1, 1])
    x = b.conv(x, 8, 6, 2, auto_pad="VALID", bias=False)
    return x, 11


def m_pad_pool(b):
    # A Pad node absorbed by the Conv after it, and by an AveragePool (count_include_pad semantics); pools with
    # ceil_mode, count_include_pad = 0 and 1, MaxPool with dilations and SAME_UPPER.
    p = b.node("Pad", ["input", b.ints([0, 0, 1, 2, 0, 0, 2, 0])], mode="constant")
    x = b.conv(p, 4, 8, 3)
    a = b.node("Pad", [x, b.ints([0, 0, 1, 1, 0, 0, 1, 1])])
    a = b.node("AveragePool", [a], kernel_shape=[3, 3], strides=[2, 2])
    m = b.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    y = b.node("Add", [a, m])
    # 7x6 input: along W the last ceil_mode window reaches past the right padding (not counted either way).
    c0 = b.node("AveragePool", [y], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1,
                count_include_pad=0)
    c1 = b.node("AveragePool", [y], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1,
                count_include_pad=1)
    c2 = b.node("MaxPool", [y], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1)
    s = b.node("Concat", [c0, c1, c2], axis=1)
    d = b.node("MaxPool", [s], kernel_shape=[2, 2], dilations=[2, 2], pads=[1, 0, 0, 1])
    d = b.node("MaxPool", [d], kernel_shape=[2, 2], auto_pad="SAME_UPPER")
    return d, 13


def m_relu6(b):
    # Clip(0, 6) fused into a Conv, into an Add, and after a BatchNormalization (no producer to fuse into: an
    # identity depthwise conv carries it); Clip(0, inf) is relu; BatchNormalization that cannot be folded.
    lo, hi = b.scalar(0.0), b.scalar(6.0)
    x = b.conv("input", 3, 8, 3, pads=[1, 1, 1, 1])
    x = b.node("Clip", [x, lo, hi])
    y = b.node("Mul", [b.scalar(2.0), b.scalar(4.0)])  # folded: 8.0 (not used as data)
    x = b.node("BatchNormalization",
               [x, b.const(np.full(8, 3.0, np.float32)), b.const(np.linspace(-2, 2, 8).astype(np.float32)),
                b.const(np.zeros(8, np.float32)), b.const(np.ones(8, np.float32))])
    x = b.node("Clip", [x, lo, hi])
    z = b.conv(x, 8, 8, 1)
    x = b.node("Add", [x, z])
    x = b.node("Clip", [x, lo, hi])
    x = b.node("Clip", [x, lo])  # relu
    x = b.bn(x, 8)
    del y
    return head(b, x, 8, opset=17), 17


def m_dense(b):
    # Flatten -> Gemm(transB = 0, alpha, beta, C [1, M]) -> Relu -> MatMul + Add (bias) -> Clip (fused relu6)
    # -> Dropout -> Identity -> Softmax (opset 11: axis 1, coerced to 2-D).
    x = b.node("Flatten", ["input"], axis=1)
    k = int(np.prod(b.input_shape[1:]))
    x = b.node("Gemm", [x, b.weight((k, 16)), b.const(b.rng.uniform(-0.1, 0.1, (1, 16)).astype(np.float32))],
               alpha=0.5, beta=2.0)
    x = b.node("Relu", [x])
    x = b.node("MatMul", [x, b.weight((16, 12))])
    x = b.node("Add", [x, b.const(b.rng.uniform(-0.1, 0.1, 12).astype(np.float32))])
    x = b.node("Clip", [x, b.scalar(0.0), b.scalar(6.0)])
    x = b.node("Dropout", [x])
    x = b.node("Identity", [x])
    x = b.node("Gemm", [x, b.weight((12, 5)), b.const(np.float32(0.25))])  # scalar C, transB = 0
    return b.node("Softmax", [x], axis=1), 11


def m_shuffle(b):
    # Both channel-shuffle patterns: [N, g, C/g, H, W] (groups g) and [N, C/g, g, H, W] (groups C/g), the 4-D
    # variant [N, g, C/g, H*W], and a Transpose that moves no data ([N, C, 1, 1] -> [N, 1, 1, C]).
    c = 24
    x = b.conv("input", 3, c, 3, pads=[1, 1, 1, 1])
    x = b.node("Reshape", [x, b.ints([1, 4, 6, 6, 6])])
    x = b.node("Transpose", [x], perm=[0, 2, 1, 3, 4])
    x = b.node("Reshape", [x, b.ints([1, 24, 6, 6])])
    x = b.conv(x, c, c, 1, group=4)
    x = b.node("Reshape", [x, b.ints([1, 8, 3, 6, 6])])  # inverse: groups 8
    x = b.node("Transpose", [x], perm=[0, 2, 1, 3, 4])
    x = b.node("Reshape", [x, b.ints([0, -1, 6, 6])])
    x = b.conv(x, c, c, 1, group=3)
    x = b.node("Reshape", [x, b.ints([1, 2, 12, 36])])  # 4-D variant: groups 2
    x = b.node("Transpose", [x], perm=[0, 2, 1, 3])
    x = b.node("Reshape", [x, b.ints([1, 24, 6, 6])])
    x = b.conv(x, c, c, 3, group=24, pads=[1, 1, 1, 1])
    x = b.node("GlobalAveragePool", [x])
    x = b.node("Transpose", [x], perm=[0, 2, 3, 1])
    x = b.node("Reshape", [x, b.ints([1, 24])])
    return b.node("Gemm", [x, b.weight((10, 24))], transB=1), 13


def m_split(b):
    # ShuffleNet v2's channel split at opset 18: Split into equal parts (num_outputs), Slice of one part, Concat in
    # another order; ReduceMean with axes as an input; Unsqueeze/Squeeze with axes inputs.
    x = b.conv("input", 4, 12, 3, pads=[1, 1, 1, 1])
    p0, p1, p2 = b.node("Split", [x], n_out=3, axis=1, num_outputs=3)
    s = b.node("Slice", [x, b.ints([8]), b.ints([12]), b.ints([1])])
    y = b.node("Concat", [p2, b.conv(p0, 4, 4, 1), s, p1], axis=1)
    y = b.node("Relu", [y])
    y = b.node("ReduceMean", [y, b.ints([2, 3])], keepdims=0)
    y = b.node("Unsqueeze", [y, b.ints([2])])
    y = b.node("Squeeze", [y, b.ints([2])])
    return b.node("Gemm", [y, b.weight((7, 16))], transB=1), 18


def m_split11(b):
    # Opset 11 forms: Split with the 'split' attribute, Unsqueeze/Squeeze with 'axes' attributes, ReduceMean with
    # keepdims = 1; a dynamic batch dimension whose size comes from Shape/Gather/Unsqueeze/Concat at load time.
    x = b.conv("input", 4, 8, 3, pads=[1, 1, 1, 1])
    a, c = b.node("Split", [x], n_out=2, axis=1, split=[4, 4])
    y = b.node("Add", [a, c])
    y = b.node("ReduceMean", [y], axes=[2, 3], keepdims=1)
    shape = b.node("Shape", [y])
    n = b.node("Gather", [shape, b.const(np.array(0, dtype=np.int64))], axis=0)
    n = b.node("Unsqueeze", [n], axes=[0])
    tgt = b.node("Concat", [n, b.ints([-1])], axis=0)
    y = b.node("Reshape", [y, tgt])
    return b.node("Gemm", [y, b.weight((3, 4))], transB=1), 11


MODELS = {
    "op_conv_pads": (m_conv_pads, (1, 4, 11, 9)),
    "op_pad_pool": (m_pad_pool, (1, 4, 13, 11)),
    "op_relu6": (m_relu6, (1, 3, 8, 8)),
    "op_dense": (m_dense, (1, 2, 3, 3)),
    "op_shuffle": (m_shuffle, (1, 3, 6, 6)),
    "op_split": (m_split, (1, 4, 5, 5)),
    "op_split11": (m_split11, (1, 4, 5, 5)),
}


def build(name):
    fn, shape = MODELS[name]
    seed = sum((i + 1) * ord(ch) for i, ch in enumerate(name)) % (2 ** 31)
    b = Builder(name, shape, seed)
    out, opset = fn(b)
    m = b.model(out, opset)
    if name == "op_split11":  # the batch dimension is left dynamic: compiled with --input-shape
        m.graph.input[0].type.tensor_type.shape.dim[0].dim_param = "batch"
    x = np.random.default_rng(seed + 1).uniform(-1.0, 1.0, size=shape).astype("<f4")
    return m, x


def main(argv):
    if len(argv) == 2 and argv[1] == "--list":
        print("\n".join(MODELS))
        return 0
    if len(argv) < 2 or argv[1].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    check_shuffle_permutation()
    out_dir = argv[1]
    names = argv[2:] or list(MODELS)
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        print(f"make_op_models.py: error: unknown model(s) {', '.join(unknown)}", file=sys.stderr)
        return 1
    os.makedirs(out_dir, exist_ok=True)
    for name in names:
        m, x = build(name)
        path = os.path.join(out_dir, name + ".onnx")
        with open(path + ".tmp", "wb") as f:
            f.write(m.SerializeToString())
        with open(os.path.join(out_dir, name + ".input.bin.tmp"), "wb") as f:
            f.write(x.tobytes())
        os.replace(os.path.join(out_dir, name + ".input.bin.tmp"), os.path.join(out_dir, name + ".input.bin"))
        os.replace(path + ".tmp", path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
