#!/usr/bin/python3
"""Assembles the fuzz targets' seed corpora from the project's tests (docs/fuzzing.md).

    make_corpus.py SOURCE_DIR OUT_DIR [--extra]

Writes OUT_DIR/json, OUT_DIR/onnx and OUT_DIR/npy, one file per seed, in each target's input layout:
  json: the model's JSON text with "weights_file" renamed to "model.weights", a NUL byte, the weights bytes
        (samples/hand, samples/fashion_mnist, the must-fail models of tests/errors/cases);
  onnx: the .onnx file (tests/onnx/hostile, samples/fashion_mnist, the hand-built op models of
        tools/onnx/make_op_models.py when python3-onnx is installed);
  npy:  two bytes (little-endian element count minus one), then a .npy or raw float32 file (small tensors written
        with numpy, every .npy header version, and the tests' raw input files).
--extra adds the larger seeds (the zoo's JSON models when a shufflec-zoo binary is given in SHUFFLEC_ZOO).
The committed corpus (tests/fuzz/corpus) is this script's output without --extra.
"""

import hashlib
import json
import os
import struct
import subprocess
import sys
import tempfile


def put(out_dir, data, hint):
    name = f"{hint}-{hashlib.sha1(data).hexdigest()[:12]}"
    with open(os.path.join(out_dir, name), "wb") as f:
        f.write(data)


def json_seed(path):
    text = open(path, "rb").read()
    weights = b""
    try:
        doc = json.loads(text)
    except ValueError:
        return text  # malformed on purpose: the bytes as they are
    if isinstance(doc, dict) and isinstance(doc.get("weights_file"), str):
        wpath = os.path.join(os.path.dirname(path), doc["weights_file"])
        if os.path.isfile(wpath):
            weights = open(wpath, "rb").read()
        doc["weights_file"] = "model.weights"
        text = json.dumps(doc, separators=(",", ":")).encode()
    return text + b"\0" + weights


def json_corpus(src, out):
    paths = [os.path.join(src, "samples/hand/tiny.json"),
             os.path.join(src, "samples/fashion_mnist/model/fashion_shufflenet.json")]
    cases = os.path.join(src, "tests/errors/cases")
    paths += [os.path.join(cases, n) for n in sorted(os.listdir(cases)) if n.endswith(".json")]
    for p in paths:
        if os.path.isfile(p):
            put(out, json_seed(p), os.path.basename(p)[:-5])


def onnx_corpus(src, out):
    hostile = os.path.join(src, "tests/onnx/hostile")
    paths = [os.path.join(hostile, n) for n in sorted(os.listdir(hostile)) if n.endswith(".onnx")]
    paths.append(os.path.join(src, "samples/fashion_mnist/model/fashion_shufflenet.onnx"))
    with tempfile.TemporaryDirectory() as tmp:
        gen = os.path.join(src, "tools/onnx/make_op_models.py")
        if subprocess.run([sys.executable, gen, tmp], stdout=subprocess.DEVNULL).returncode == 0:
            paths += [os.path.join(tmp, n) for n in sorted(os.listdir(tmp)) if n.endswith(".onnx")]
        for p in paths:
            put(out, open(p, "rb").read(), os.path.basename(p)[:-5])


def npy_file(shape, version=1, descr="<f4", fortran=False, values=None):
    count = 1
    for d in shape:
        count *= d
    if values is None:
        values = [((i * 37) % 17 - 8) / 4.0 for i in range(count)]
    dims = ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "")
    header = f"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': ({dims}), }}"
    len_size = 2 if version == 1 else 4
    header += " " * ((64 - (10 + len_size - 2 + len(header) + 1) % 64) % 64) + "\n"
    size = struct.pack("<H" if version == 1 else "<I", len(header))
    return b"\x93NUMPY" + bytes([version, 0]) + size + header.encode() + struct.pack(f"<{count}f", *values)


def npy_seed(elements, file_bytes):
    return struct.pack("<H", elements - 1) + file_bytes


def npy_corpus(src, out):
    seeds = [
        npy_seed(6, npy_file([1, 6])),
        npy_seed(6, npy_file([6])),
        npy_seed(24, npy_file([1, 2, 3, 4], version=2)),
        npy_seed(24, npy_file([1, 2, 3, 4], version=3)),
        npy_seed(4, npy_file([2, 2], fortran=True)),
        npy_seed(4, npy_file([4], descr=">f4")),
        npy_seed(1, npy_file([], values=[1.5])),
        npy_seed(3, npy_file([1, 3], values=[float("nan"), float("inf"), -0.0])),
        npy_seed(4, struct.pack("<4f", 1, 2, 3, 4)),  # raw float32
    ]
    cases = os.path.join(src, "tests/errors/cases")
    for n in sorted(os.listdir(cases)):
        if n.endswith(".bin"):
            data = open(os.path.join(cases, n), "rb").read()
            seeds.append(npy_seed(max(1, min(65536, len(data) // 4)), data))
    for s in seeds:
        put(out, s, "npy")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    src, out = sys.argv[1], sys.argv[2]
    for name, fill in (("json", json_corpus), ("onnx", onnx_corpus), ("npy", npy_corpus)):
        os.makedirs(os.path.join(out, name), exist_ok=True)
        fill(src, os.path.join(out, name))
    if "--extra" in sys.argv[3:] and os.environ.get("SHUFFLEC_ZOO"):
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([os.environ["SHUFFLEC_ZOO"], "--all", "--out", tmp, "--input-size", "32"], check=True,
                           stdout=subprocess.DEVNULL)
            for n in sorted(os.listdir(tmp)):
                if n.endswith(".json"):
                    put(os.path.join(out, "json"), json_seed(os.path.join(tmp, n)), n[:-5])


if __name__ == "__main__":
    main()
