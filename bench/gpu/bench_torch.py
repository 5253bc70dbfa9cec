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

    # Convolutions: full fp32 (no TF32, as ganlib's cuDNN calls) with cudnn.benchmark on, as the
    # pix2pixHD and BigGAN reference trainers set it.
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    F = torch.nn.functional
    x = torch.randn(1, 256, 128, 256, device=dev, generator=g).requires_grad_()
    w = (torch.randn(256, 256, 3, 3, device=dev, generator=g) * 0.02).requires_grad_()
    bias = torch.zeros(256, device=dev, requires_grad=True)

    def conv_step():
        for t in (x, w, bias):
            t.grad = None
        F.conv2d(x, w, bias, padding=1).sum().backward()

    results["conv3x3_256_fwd_bwd"] = time_ms(conv_step, iters)

    cin, cout = 384, 192
    x = torch.randn(32, cin, 32, 32, device=dev, generator=g).requires_grad_()
    g1, b1 = torch.ones(cin, device=dev), torch.zeros(cin, device=dev)
    g2, b2 = torch.ones(cout, device=dev), torch.zeros(cout, device=dev)
    w1 = torch.randn(cout, cin, 3, 3, device=dev, generator=g) * 0.02
    w2 = torch.randn(cout, cout, 3, 3, device=dev, generator=g) * 0.02
    ws = torch.randn(cout, cin, 1, 1, device=dev, generator=g) * 0.02
    c1, c2, cs = (torch.zeros(cout, device=dev) for _ in range(3))
    params = [x, g1, b1, g2, b2, w1, c1, w2, c2, ws, cs]
    for t in params:
        t.requires_grad_()

    def gblock_step():
        for t in params:
            t.grad = None
        h = F.relu(F.batch_norm(x, None, None, g1, b1, training=True))
        h = F.conv2d(F.interpolate(h, scale_factor=2, mode="nearest"), w1, c1, padding=1)
        h = F.conv2d(F.relu(F.batch_norm(h, None, None, g2, b2, training=True)), w2, c2, padding=1)
        sc = F.conv2d(F.interpolate(x, scale_factor=2, mode="nearest"), ws, cs)
        (h + sc).sum().backward()

    results["biggan_gblock_fwd_bwd"] = time_ms(gblock_step, iters)

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
