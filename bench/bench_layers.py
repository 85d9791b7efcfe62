#!/usr/bin/python3
"""Per-layer efficiency of one benchmark model (issues 13 and 14; never a timed test).

    bench/bench_layers.py [--build BUILD_DIR] [--runs N] [--target T ...] MODEL

MODEL is a name of bench/bench.sh's set (e.g. tv_resnet18, shufflenet_v1_g3_1.0x), read from its cache
BUILD_DIR/bench/speed (run bench.sh with BENCH_MODELS=MODEL first if it is not there). For each target (default: the
AVX-512 target where the CPU has it, and AVX2+FMA) it prints `shufflec profile`'s table (per layer: median time,
mult-adds, GMAC/s, % of the target's peak measured in the same run), then the layers grouped by kernel (the conv
schedule `--dump-after=schedule_convs` records, or the op), each group's share of the time and its % of peak, and
ONNX Runtime's latency on the same ONNX file (1 intra-op thread, median of N runs) next to the layers' sum.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGETS = {"avx512": "x86_64-linux-gnu+avx512f,avx512bw,avx512vl", "avx2": "x86_64-linux-gnu+avx2,fma"}


def run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw).stdout


def kernel_groups(shufflec, model, target):
    """node name -> kernel group, from the IR after schedule_convs."""
    with tempfile.TemporaryDirectory() as out:
        dump = run([shufflec, "compile", model, "-o", out, "--target", target, "--dump-after=schedule_convs"])
    groups = {}
    for line in dump.splitlines():
        m = re.match(r"\s*%(\S+) \[[^\]]*\] = (\w+)\((.*)", line)
        if not m:
            continue
        name, op, rest = m.groups()
        s = re.search(r"schedule=(\w+)(?:\(tile=[^,]*, (\w+))?", rest)
        group = op
        if s:
            group = f"{op} {s.group(1)}" + (f" {s.group(2)}" if s.group(2) else "")
        groups[name] = group
    return groups


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model")
    p.add_argument("--build", default="build")
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--target", action="append", choices=sorted(TARGETS))
    a = p.parse_args()
    work = os.path.join(a.build, "bench", "speed")
    onnx = os.path.join(work, a.model + ".onnx")
    source = onnx if a.model.startswith("tv_") else os.path.join(work, a.model + ".json")
    inputs = os.path.join(work, a.model + ".input.bin")
    if not (os.path.exists(source) and os.path.exists(onnx) and os.path.exists(inputs)):
        sys.exit(f"bench_layers.py: {a.model} is not in {work}: run BENCH_MODELS={a.model} bench/bench.sh first")
    shufflec = os.path.join(a.build, "compiler", "shufflec")
    flags = open("/proc/cpuinfo").read()
    has512 = all(re.search(rf"\b{f}\b", flags) for f in ("avx512f", "avx512bw", "avx512vl"))
    targets = a.target or (["avx512", "avx2"] if has512 else ["avx2"])
    env = dict(os.environ, NODE_PATH=os.path.abspath(os.path.join(work, "node", "node_modules")))
    ort = float(run(["node", os.path.join(ROOT, "bench", "ort_bench.js"), onnx, inputs, str(a.runs)],
                    env=env).split("=")[1])
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    for t in targets:
        if t == "avx512" and not has512:
            print("== skipping avx512: this CPU lacks AVX-512 F/BW/VL")
            continue
        profile = run([shufflec, "profile", source, "--target", TARGETS[t], "--runs", str(a.runs)])
        print(f"== {a.model}, target {t} ({TARGETS[t]}), {a.runs} runs; load average {load}")
        print(profile, end="")
        groups = kernel_groups(shufflec, source, TARGETS[t])
        header = profile.splitlines()[0]
        col_op = header.index("op")
        by_group, total_us = {}, 0.0
        peak = float(re.search(r"^peak: ([0-9.]+) GMAC/s", profile, re.M).group(1))
        for line in profile.splitlines()[1:]:
            if line.startswith(("total", "untapped", "peak", "fastest")):
                continue
            name = re.sub(r" \(\+\d+ before\)$", "", line[:col_op].strip())
            fields = line[col_op:].split()
            us, mmac = float(fields[1]), float(fields[2])
            g = groups.get(name, fields[0])
            n, t_us, t_mmac = by_group.get(g, (0, 0.0, 0.0))
            by_group[g] = (n + 1, t_us + us, t_mmac + mmac)
            total_us += us
        print(f"\n{'kernel group':<34} {'layers':>6} {'ms':>8} {'% time':>7} {'MMAC':>9} {'GMAC/s':>7} {'% peak':>7}")
        for g, (n, us, mmac) in sorted(by_group.items(), key=lambda kv: -kv[1][1]):
            gmacs = 1e3 * mmac / us if us else 0.0
            print(f"{g:<34} {n:>6} {us / 1e3:>8.2f} {100 * us / total_us:>7.1f} {mmac:>9.1f} {gmacs:>7.1f} "
                  f"{100 * gmacs / peak:>7.1f}")
        print(f"layers sum to {total_us / 1e3:.2f} ms; ONNX Runtime (1 thread, median of {a.runs}) {ort:.2f} ms on the "
              f"same ONNX file: {total_us / 1e3 / ort:.2f}x\n")


if __name__ == "__main__":
    main()
