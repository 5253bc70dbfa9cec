"""bench/gpu/bench_torch.py — the workloads of bench_gpu.cu in PyTorch, joined with ganlib's.

Usage: python3 bench/gpu/bench_torch.py GANLIB_JSONL [iterations]
Reads bench_gpu's JSON lines, times the same shapes with torch on the GPU (fp32, TF32 off as
PyTorch's default for matmul), and prints one JSON line per workload:
{"workload", "ganlib_ms", "pytorch_ms", "ratio"} where ratio = pytorch_ms / ganlib_ms (as the CPU
benchmark: above 1, ganlib is faster)
"""
import json
import sys
import time

import torch


def time_ms(step, iters):
    for _ in range(3):
        step()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(iters):
        step()
    torch.cuda.synchronize()
    return (time.perf_counter() - t0) * 1000.0 / iters


def main():
    ganlib = {}
    with open(sys.argv[1]) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                rec = json.loads(line)
                ganlib[rec["workload"]] = rec["ganlib_ms"]
    iters = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    torch.backends.cuda.matmul.allow_tf32 = False
    dev = torch.device("cuda")
    g = torch.Generator(device=dev).manual_seed(0)
    results = {}

    x = torch.randn(4096, 4096, device=dev, generator=g)
    with torch.no_grad():
        results["elementwise_chain"] = time_ms(lambda: torch.sigmoid(x * 1.5 + 0.5) * x, iters)

    a = torch.randn(4096, 4096, device=dev, generator=g)
    b = torch.randn(4096, 4096, device=dev, generator=g)
    with torch.no_grad():
        results["matmul_4096"] = time_ms(lambda: torch.matmul(a, b), iters)

    x = torch.randn(1024, 4096, device=dev, generator=g)
    w = (torch.randn(4096, 4096, device=dev, generator=g) * 0.02).requires_grad_()
    bias = torch.zeros(4096, device=dev, requires_grad=True)

    def linear_step():
        w.grad = None
        bias.grad = None
        torch.nn.functional.linear(x, w, bias).sum().backward()

    results["linear_fwd_bwd"] = time_ms(linear_step, iters)

    for name, torch_ms in results.items():
        g_ms = ganlib.get(name)
        print(json.dumps({
            "workload": name,
            "ganlib_ms": g_ms,
            "pytorch_ms": round(torch_ms, 4),
            "ratio": round(torch_ms / g_ms, 3) if g_ms else None,
        }), flush=True)


if __name__ == "__main__":
    main()
