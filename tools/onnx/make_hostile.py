#!/usr/bin/python3
"""Writes the must-fail corpus of hostile ONNX files for the ONNX frontend (tests/onnx/hostile/):

    make_hostile.py OUT_DIR

Each case is a small .onnx file (plus, for one case, an external data file) and the text its one-line error must
contain; OUT_DIR/cases.tsv lists them as FILE<TAB>EXPECTED[<TAB>EXPECTED...]<TAB>[ARGS]. The files are committed (they
are tiny); rerun this script after changing a case. Needs python3-onnx and python3-numpy (Debian).
"""

import os
import sys

import numpy as np
from onnx import TensorProto, helper, numpy_helper


def tensor(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def model(nodes, inits=(), inputs=None, outputs=None, opset=13, in_shape=(1, 3, 4, 4)):
    inputs = inputs if inputs is not None else [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(in_shape))]
    outputs = outputs if outputs is not None else [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)]
    g = helper.make_graph(nodes, "hostile", inputs, outputs, initializer=list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)], producer_name="make_hostile.py")
    m.ir_version = 8
    return m


def conv_model():
    w = np.random.default_rng(1).uniform(-1, 1, (4, 3, 3, 3)).astype(np.float32)
    return model([helper.make_node("Conv", ["x", "w"], ["y"], name="conv", pads=[1, 1, 1, 1])], [tensor("w", w)])


def _field(number, payload):  # a length-delimited protobuf field
    key, n, out = (number << 3) | 2, len(payload), bytearray()
    for v in (key, n):
        while True:
            b = v & 0x7F
            v >>= 7
            out.append(b | (0x80 if v else 0))
            if not v:
                break
    return bytes(out) + payload


def deep_nesting(depth):
    """ModelProto{opset 13, graph{node{If, attribute{then_branch: graph{node{If, attribute{...}}}}}}}."""
    graph = _field(1, _field(4, b"Relu"))  # GraphProto.node = 1, NodeProto.op_type = 4
    for _ in range(depth):
        attribute = _field(1, b"then_branch") + _field(6, graph) + bytes([0xA0, 0x01, 5])  # name, g, type = GRAPH
        graph = _field(1, _field(4, b"If") + _field(5, attribute))
    opset = bytes([0x10, 13])  # OperatorSetIdProto.version = 13
    return bytes([0x08, 8]) + _field(8, opset) + _field(7, graph)  # ir_version, opset_import, graph


def cases():
    """name -> (bytes or ModelProto, [expected texts], extra CLI args)."""
    c = {}
    good = conv_model().SerializeToString()
    c["truncated"] = (good[: len(good) - 50], ["not a valid ONNX model: protobuf parsing failed"], "")
    c["empty"] = (b"", ["the file is empty"], "")
    c["garbage"] = (b"\x0a\xff\xff\xff\xff\x0f" + bytes(range(256)) * 4, ["not a valid ONNX model"], "")
    c["not_onnx_json"] = (b'{"format": "shufflec-graph"}\n', ["not a valid ONNX model"], "")

    m = conv_model()
    m.graph.initializer[0].raw_data = m.graph.initializer[0].raw_data[:12]
    c["init_raw_size"] = (m, ["initializer 'w': raw_data holds 12 bytes, but shape [4, 3, 3, 3] of FLOAT needs 432"],
                          "")
    m = conv_model()
    t = m.graph.initializer[0]
    t.ClearField("raw_data")
    t.float_data.extend([0.5] * 100)
    c["init_typed_size"] = (m, ["initializer 'w': float_data holds 100 values, but shape [4, 3, 3, 3] needs 108"], "")
    m = conv_model()
    del m.graph.initializer[0].dims[:]
    m.graph.initializer[0].dims.extend([1 << 40, 1 << 40, 3, 3])
    c["init_huge_dims"] = (m, ["initializer 'w': shape [1099511627776, 1099511627776, 3, 3] is absurdly large"], "")
    m = model([helper.make_node("Add", ["x", "w"], ["y"], name="add")], [tensor("w", np.float32(1.0))])
    del m.graph.initializer[0].dims[:]
    m.graph.initializer[0].dims.extend([1 << 30])  # 4 GiB declared, 4 bytes present: refused before allocating
    c["init_big_dims_small_data"] = (m, ["initializer 'w': raw_data holds 4 bytes, but shape [1073741824] of FLOAT "
                                         "needs 4294967296"], "")
    m = conv_model()
    m.graph.initializer[0].dims[0] = -4
    c["init_negative_dim"] = (m, ["initializer 'w': negative dimension -4"], "")

    m = model([helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
               helper.make_node("Add", ["c", "nope"], ["y"], name="add")],
              [tensor("w", np.ones((4, 3, 1, 1), np.float32))])
    c["missing_input"] = (m, ["node 'add' (Add): input 'nope' is not defined"], "")
    m = model([helper.make_node("Relu", ["x", ], ["a"], name="r0"),
               helper.make_node("Add", ["a", "c"], ["b"], name="loop_add"),
               helper.make_node("Relu", ["b"], ["c"], name="loop_relu"),
               helper.make_node("Relu", ["c"], ["y"], name="out")])
    c["cycle"] = (m, ["the graph has a cycle through this node"], "")
    m = model([helper.make_node("Relu", ["x"], ["y"], name="r1"), helper.make_node("Relu", ["x"], ["y"], name="r2")])
    c["two_writers"] = (m, ["node 'r2' (Relu): tensor 'y' is written by two nodes"], "")
    m = model([helper.make_node("Relu", ["x"], ["r"], name="r")],
              outputs=[helper.make_tensor_value_info("x", TensorProto.FLOAT, None)])
    c["output_is_input"] = (m, ["the graph output 'x' is not computed by any node"], "")

    m = model([helper.make_node("Erf", ["x"], ["a"], name="erf"),
               helper.make_node("Tanh", ["a"], ["b"], name="tanh"),
               helper.make_node("Relu", ["b"], ["c"], name="relu"),
               helper.make_node("FusedThing", ["c"], ["d"], name="custom", domain="com.example"),
               helper.make_node("LSTM", ["d"], ["y"], name="lstm")])
    c["unsupported_ops"] = (m, ["node 'erf' (Erf): unsupported op type",
                                "node 'tanh' (Tanh): unsupported op type",
                                "node 'custom' (FusedThing): unsupported op from domain 'com.example'",
                                "node 'lstm' (LSTM): unsupported op type", "and 3 more"], "")
    m = model([helper.make_node("Mul", ["x", "two"], ["y"], name="scale")], [tensor("two", np.float32(2.0))])
    c["runtime_mul"] = (m, ["node 'scale' (Mul): unsupported Mul of a constant and a computed tensor"], "")
    # Squeeze-excitation's Mul broadcasts [N, C, 1, 1] only, with C the other input's channels.
    m = model([helper.make_node("Conv", ["x", "w"], ["c"], name="fc"),
               helper.make_node("GlobalAveragePool", ["c"], ["s"], name="squeeze"),
               helper.make_node("Mul", ["x", "s"], ["y"], name="excite")],
              [tensor("w", np.ones((4, 3, 1, 1), np.float32))])
    c["mul_broadcast"] = (m, ["node 'excite' (Mul): unsupported broadcasting Mul ([1, 3, 4, 4] * [1, 4, 1, 1])"], "")
    m = model([helper.make_node("HardSigmoid", ["x"], ["y"], name="hsig", alpha=float("nan"))])
    c["hard_sigmoid_nan"] = (m, ["node 'hsig' (HardSigmoid): alpha and beta must be finite, got nan and 0.5"], "")
    m = model([helper.make_node("HardSigmoid", ["x"], ["y"], name="hsig", beta=1)])
    c["hard_sigmoid_int_beta"] = (m, ["node 'hsig' (HardSigmoid): attribute 'beta' must be a float"], "")
    m = model([helper.make_node("HardSwish", ["x"], ["y"], name="hswish")], opset=13)
    c["hard_swish_opset13"] = (m, ["node 'hswish' (HardSwish): HardSwish is an opset 14 op, but the model imports "
                                   "opset 13"], "")
    m = model([helper.make_node("Clip", ["x", "lo", "hi"], ["y"], name="clip")],
              [tensor("lo", np.float32(-1.0)), tensor("hi", np.float32(1.0))])
    c["clip_range"] = (m, ["node 'clip' (Clip): unsupported Clip to [-1, 1]"], "")
    m = model([helper.make_node("Transpose", ["x"], ["t"], name="nhwc", perm=[0, 2, 3, 1]),
               helper.make_node("Relu", ["t"], ["y"], name="relu")])
    c["transpose"] = (m, ["node 'nhwc' (Transpose): unsupported Transpose perm [0, 2, 3, 1] of [1, 3, 4, 4]"], "")
    m = model([helper.make_node("Reshape", ["x", "s"], ["t"], name="fold"),
               helper.make_node("Relu", ["t"], ["y"], name="relu")], [tensor("s", np.array([1, 12, 2, 2], np.int64))])
    c["reshape"] = (m, ["node 'relu' (Relu): unsupported: its input is [1, 3, 4, 4] viewed as [1, 12, 2, 2] by node "
                        "'fold' (Reshape)"], "")
    m = model([helper.make_node("Conv", ["x", "w"], ["y"], name="conv", group=2)],
              [tensor("w", np.ones((4, 1, 1, 1), np.float32))])
    c["conv_groups"] = (m, ["node 'conv' (Conv): groups 2 does not divide the 3 input channels"], "")
    m = conv_model()
    m.graph.node[0].attribute[0].CopyFrom(helper.make_attribute("pads", [1.0, 1.0, 1.0, 1.0]))
    c["attr_type"] = (m, ["node 'conv' (Conv): attribute 'pads' must be a list of integers"], "")
    m = model([helper.make_node("Conv", ["x", "w"], ["y"], name="conv")],
              [tensor("w", np.array([[[[np.nan]]]] * 4, np.float32).reshape(4, 1, 1, 1).repeat(3, 1))])
    c["nan_weight"] = (m, ["node 'conv' (Conv): the weight 'w' holds NaN at index 0"], "")

    c["huge_input"] = (model([helper.make_node("Relu", ["x"], ["y"], name="relu")], in_shape=(1, 3, 100000, 100000)),
                       ["graph input 'x' has shape [1, 3, 100000, 100000]: absurdly large"], "")
    m = model([helper.make_node("ConstantOfShape", ["s"], ["big"], name="fill"),
               helper.make_node("Add", ["x", "big"], ["y"], name="add")],
              [tensor("s", np.array([1 << 20, 1 << 20, 1 << 20], np.int64))])
    c["huge_constant_of_shape"] = (m, ["node 'fill' (ConstantOfShape): shape [1048576, 1048576, 1048576] is negative "
                                       "or absurdly large"], "")
    m = model([helper.make_node("Reshape", ["x", "s"], ["y"], name="reshape")],
              [tensor("s", np.array([1 << 40, 1 << 40, 1 << 40], np.int64))])
    c["huge_reshape"] = (m, ["node 'reshape' (Reshape): target shape [1099511627776, 1099511627776, 1099511627776] "
                             "is absurdly large"], "")
    dyn = [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, 4, 4])]
    c["dynamic_shape"] = (model([helper.make_node("Relu", ["x"], ["y"], name="relu")], inputs=dyn),
                          ["graph input 'x' has the dynamic shape [batch, 3, 4, 4]; give its size with "
                           "--input-shape x=1,3,4,4"],
                          "")
    c["input_shape_mismatch"] = (model([helper.make_node("Relu", ["x"], ["y"], name="relu")]),
                                 ["--input-shape [1, 3, 8, 8] disagrees with the fixed shape [1, 3, 4, 4] of "
                                  "graph input 'x'"],
                                 "--input-shape x=1,3,8,8")
    c["opset_old"] = (model([helper.make_node("Relu", ["x"], ["y"], name="relu")], opset=9),
                      ["opset 9 is not supported (shufflec reads ONNX opsets 11 to 18)"], "")
    c["two_outputs"] = (model([helper.make_node("Relu", ["x"], ["y"], name="relu"),
                               helper.make_node("Relu", ["x"], ["z"], name="relu2")],
                              outputs=[helper.make_tensor_value_info("y", TensorProto.FLOAT, None),
                                       helper.make_tensor_value_info("z", TensorProto.FLOAT, None)]),
                        ["the model has 2 outputs; shufflec compiles models with exactly one output"], "")
    c["int_input"] = (model([helper.make_node("Relu", ["x"], ["y"], name="relu")],
                            inputs=[helper.make_tensor_value_info("x", TensorProto.INT64, [1, 3])]),
                      ["graph input 'x' has element type INT64"], "")

    for case, location, expected in (("external_missing", "missing.bin",
                                      "initializer 'w': cannot open external data file"),
                                     ("external_escape", "../../../etc/passwd",
                                      "initializer 'w': external data location '../../../etc/passwd' must be a "
                                      "relative path inside"),
                                     ("external_short", "external_short.data",
                                      "external_short.data' holds 16 bytes, too few for 432 bytes at offset 0")):
        m = conv_model()
        t = m.graph.initializer[0]
        t.ClearField("raw_data")
        t.data_location = TensorProto.EXTERNAL
        t.external_data.add(key="location", value=location)
        c[case] = (m, [expected], "")

    # A node name 64 KiB long holding a newline: the message stays one (shortened) line.
    long_name = "n\n" + "x" * (1 << 16)
    c["long_name"] = (model([helper.make_node("Erf", ["x"], ["y"], name=long_name)]),
                      ["node 'n\\nxxxxxxxx", "...' (Erf): unsupported op type"], "")
    # Subgraphs nested past protobuf's recursion limit (100), written as raw protobuf: the parser refuses them, and
    # nothing recurses on the C stack.
    c["deep_nesting"] = (deep_nesting(400), ["protobuf parsing failed"], "")
    return c


def main(argv):
    if len(argv) != 2 or argv[1].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    lines = ["# FILE<TAB>EXPECTED...<TAB>ARGS (written by tools/onnx/make_hostile.py; tests/onnx/check_hostile.sh)"]
    for name, (m, expected, args) in cases().items():
        data = m if isinstance(m, bytes) else m.SerializeToString()
        with open(os.path.join(out, name + ".onnx"), "wb") as f:
            f.write(data)
        lines.append("\t".join([name + ".onnx"] + expected + ["args:" + args]))
    with open(os.path.join(out, "external_short.data"), "wb") as f:
        f.write(b"\0" * 16)
    with open(os.path.join(out, "cases.tsv"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
