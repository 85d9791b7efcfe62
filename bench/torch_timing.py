"""PyTorch's own latency for bench.sh (context beside ORT): one warm-up run, then `rounds` timed runs without
gradients; prints "pytorch_ms=<median>" (nothing for 0 runs: bench.sh with 0 rounds prepares and checks only)."""
import statistics
import time

import torch


def print_pytorch_ms(model, x, rounds):
    times = []
    with torch.no_grad():
        model(x)
        for _ in range(rounds):
            t0 = time.perf_counter()
            model(x)
            times.append((time.perf_counter() - t0) * 1000.0)
    if times:
        print(f"pytorch_ms={statistics.median(times):.3f}")
