#!/usr/bin/python3
"""The PyTorch half of bench/run_vs_pytorch.sh: the same workloads, plain PyTorch.

Usage: pytorch_bench.py WORKLOAD --threads N [--iters N] [--warmup W]
Prints one JSON object: {"workload", "times_ms": [...], "rss_mb"}.
"""
import argparse, json, resource, sys, time
import torch
import torch.nn.functional as F


def fwd_bwd(leaves, f, out_shape):
    g = torch.randn(out_shape, generator=torch.Generator().manual_seed(99))

    def step():
        for l in leaves:
            l.grad = None
        f().backward(g)
    return step


def conv3x3_64():
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(1, 64, 128, 128, generator=gen).requires_grad_()
    w = (torch.randn(64, 64, 3, 3, generator=gen) * 0.05).requires_grad_()
    b = torch.zeros(64).requires_grad_()
    return fwd_bwd([x, w, b], lambda: F.conv2d(x, w, b, 1, 1), (1, 64, 128, 128))


def reflectpad_conv7x7():
    gen = torch.Generator().manual_seed(2)
    x = torch.randn(1, 36, 128, 256, generator=gen).requires_grad_()
    w = (torch.randn(64, 36, 7, 7, generator=gen) * 0.02).requires_grad_()
    b = torch.zeros(64).requires_grad_()
    return fwd_bwd([x, w, b], lambda: F.conv2d(F.pad(x, (3, 3, 3, 3), mode="reflect"), w, b), (1, 64, 128, 256))


def conv_transpose3x3_s2():
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(1, 128, 64, 128, generator=gen).requires_grad_()
    w = (torch.randn(128, 64, 3, 3, generator=gen) * 0.03).requires_grad_()
    b = torch.zeros(64).requires_grad_()
    return fwd_bwd([x, w, b], lambda: F.conv_transpose2d(x, w, b, 2, 1, 1), (1, 64, 128, 256))


def instance_norm():
    gen = torch.Generator().manual_seed(4)
    x = torch.randn(1, 64, 128, 256, generator=gen).requires_grad_()
    return fwd_bwd([x], lambda: F.instance_norm(x), (1, 64, 128, 256))


def grid_sample():
    gen = torch.Generator().manual_seed(5)
    x = torch.randn(1, 3, 256, 512, generator=gen).requires_grad_()
    grid = (torch.rand(1, 256, 512, 2, generator=gen) * 2 - 1).requires_grad_()
    return fwd_bwd([x, grid], lambda: F.grid_sample(x, grid, "bilinear", "zeros", align_corners=False),
                   (1, 3, 256, 512))


WORKLOADS = {f.__name__: f for f in [conv3x3_64, reflectpad_conv7x7, conv_transpose3x3_s2, instance_norm, grid_sample]}

try:  # model workloads live beside this file once the zoo provides them
    import pytorch_models
    WORKLOADS.update(pytorch_models.WORKLOADS)
except ImportError:
    pass


SGEMM_SHAPES = {"sgemm_1024": (1024, 1024, 1024), "sgemm_2048": (2048, 2048, 2048),
                "sgemm_conv_256x2304x1024": (256, 2304, 1024), "sgemm_conv_64x576x16384": (64, 576, 16384)}


def sgemm_gflops(name):
    m, k, n = SGEMM_SHAPES[name]
    a, b = torch.randn(m, k), torch.randn(k, n)
    c = torch.empty(m, n)
    for _ in range(3):
        torch.mm(a, b, out=c)
    best = 0.0
    for _ in range(5):
        reps, t0 = 0, time.perf_counter()
        while time.perf_counter() - t0 < 0.1:
            torch.mm(a, b, out=c)
            reps += 1
        best = max(best, 2 * m * n * k * reps / (time.perf_counter() - t0) / 1e9)
    return best


def count_gflop(step):
    """Runs one (warm-up) step with hooks on every conv, transposed conv and linear layer and
    returns 3 x 2 x their forward MACs in GFLOP (forward + backward, the usual convention)."""
    macs = [0]

    def hook(m, inp, out):
        if isinstance(m, torch.nn.Conv2d):
            macs[0] += out.numel() * m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, torch.nn.ConvTranspose2d):
            macs[0] += inp[0].numel() * m.out_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
        elif isinstance(m, torch.nn.Linear):
            macs[0] += out.numel() * m.in_features
    handle = torch.nn.modules.module.register_module_forward_hook(hook)
    try:
        step()
    finally:
        handle.remove()
    return 3 * 2 * macs[0] / 1e9


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workload")
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    if a.workload in SGEMM_SHAPES:  # GFLOP/s of torch.mm on the same shape
        print(json.dumps({"workload": a.workload, "gflops": sgemm_gflops(a.workload)}))
        return
    if a.workload not in WORKLOADS:
        sys.exit(f"pytorch_bench: unknown workload {a.workload!r}")
    step = WORKLOADS[a.workload]()
    gflop = count_gflop(step)
    for _ in range(a.warmup - 1):
        step()
    times = []
    for _ in range(a.iters):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"workload": a.workload, "times_ms": times, "rss_mb": rss, "gflop": gflop}))


if __name__ == "__main__":
    main()
