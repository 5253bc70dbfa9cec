"""bench/gpu/bench_torch.py — the workloads of bench_gpu.cu in PyTorch, joined with ganlib's.

Usage: python3 bench/gpu/bench_torch.py GANLIB_JSONL [iterations] [--only NAME[,NAME...]]
Reads bench_gpu's JSON lines, times the same shapes with torch on the GPU (fp32, TF32 off for
matmul and cuDNN), and prints one JSON line per workload:
{"workload", "ganlib_ms", "pytorch_ms", "ratio"} where ratio = pytorch_ms / ganlib_ms (as the CPU
benchmark: above 1, ganlib is faster). The model workloads are in torch_models.py.
"""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_models  # noqa: E402


def time_ms(step, iters):
    for _ in range(3):
        step()
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(iters):
        step()
    torch.cuda.synchronize()
    return (time.perf_counter() - t0) * 1000.0 / iters


def micro_workloads(dev, g):
    """The layer-level rows: name -> factory returning step()."""
    F = torch.nn.functional

    def elementwise():
        x = torch.randn(4096, 4096, device=dev, generator=g)
        return lambda: torch.sigmoid(x * 1.5 + 0.5) * x

    def matmul():
        a = torch.randn(4096, 4096, device=dev, generator=g)
        b = torch.randn(4096, 4096, device=dev, generator=g)
        return lambda: torch.matmul(a, b)

    def linear():
        x = torch.randn(1024, 4096, device=dev, generator=g)
        w = (torch.randn(4096, 4096, device=dev, generator=g) * 0.02).requires_grad_()
        bias = torch.zeros(4096, device=dev, requires_grad=True)

        def step():
            w.grad = None
            bias.grad = None
            F.linear(x, w, bias).sum().backward()
        return step

    def conv():
        x = torch.randn(1, 256, 128, 256, device=dev, generator=g).requires_grad_()
        w = (torch.randn(256, 256, 3, 3, device=dev, generator=g) * 0.02).requires_grad_()
        bias = torch.zeros(256, device=dev, requires_grad=True)

        def step():
            for t in (x, w, bias):
                t.grad = None
            F.conv2d(x, w, bias, padding=1).sum().backward()
        return step

    def gblock():
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

        def step():
            for t in params:
                t.grad = None
            h = F.relu(F.batch_norm(x, None, None, g1, b1, training=True))
            h = F.conv2d(F.interpolate(h, scale_factor=2, mode="nearest"), w1, c1, padding=1)
            h = F.conv2d(F.relu(F.batch_norm(h, None, None, g2, b2, training=True)), w2, c2, padding=1)
            sc = F.conv2d(F.interpolate(x, scale_factor=2, mode="nearest"), ws, cs)
            (h + sc).sum().backward()
        return step

    return {"elementwise_chain": elementwise, "matmul_4096": matmul, "linear_fwd_bwd": linear,
            "conv3x3_256_fwd_bwd": conv, "biggan_gblock_fwd_bwd": gblock}


def main():
    args = sys.argv[1:]
    only = None
    if "--only" in args:
        k = args.index("--only")
        only = [n for n in args[k + 1].split(",") if n] if k + 1 < len(args) else []
        del args[k:k + 2]
    ganlib = {}
    with open(args[0]) as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                rec = json.loads(line)
                ganlib[rec["workload"]] = rec["ganlib_ms"]
    iters = int(args[1]) if len(args) > 1 else 20
    # Full fp32 everywhere (no TF32, as ganlib's cuBLAS and cuDNN calls), cudnn.benchmark on as the
    # pix2pixHD and BigGAN reference trainers set it.
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    dev = torch.device("cuda")
    g = torch.Generator(device=dev).manual_seed(0)
    table = micro_workloads(dev, g)
    table.update({name: (lambda f=f: f(dev)) for name, f in torch_models.MODELS.items()})
    unknown = [n for n in (only or []) if n not in table]
    if unknown:
        sys.exit(f"bench_torch.py: unknown workload(s) {unknown}; known: {sorted(table)}")
    for name, make in table.items():
        if only is not None and name not in only:
            continue
        torch_ms = time_ms(make(), iters)
        torch.cuda.empty_cache()
        g_ms = ganlib.get(name)
        print(json.dumps({
            "workload": name,
            "ganlib_ms": g_ms,
            "pytorch_ms": round(torch_ms, 4),
            "ratio": round(torch_ms / g_ms, 3) if g_ms else None,
        }), flush=True)


if __name__ == "__main__":
    main()
