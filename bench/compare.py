#!/usr/bin/python3
"""Runs ganlib and PyTorch on the same workloads, alternating A B A B, and reports medians.

Called by bench/run_vs_pytorch.sh. Each round runs one ganlib process and one PyTorch process
(warm-up iterations, then timed ones); the medians pool every timed iteration of every round.
PyTorch gets its best honest settings: threads set explicitly, OPENBLAS_CORETYPE /
OPENBLAS_L2_SIZE unset, and glibc malloc told to keep memory (for its process only).
"""
import argparse, datetime, json, os, pathlib, platform, statistics, subprocess, sys

HERE = pathlib.Path(__file__).resolve().parent
LAYERS = ["conv3x3_64", "reflectpad_conv7x7", "conv_transpose3x3_s2", "instance_norm", "grid_sample"]
MODELS = ["pix2pixhd_iter", "biggan32_iter", "flownets_fwdbwd"]
SGEMM = ["sgemm_1024", "sgemm_2048", "sgemm_conv_256x2304x1024", "sgemm_conv_64x576x16384"]


def run_json(cmd, env):
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, cmd))} failed: {out.stderr.strip()[-500:]}")
    return [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")]


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build-bench")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--iters", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--no-results-file", action="store_true")
    ap.add_argument("workloads", nargs="*")
    a = ap.parse_args()
    build = pathlib.Path(a.build)
    known = set(run_json([build / "bench" / "ganlib_bench", "--list"], dict(os.environ))[0]["workloads"])
    wanted = a.workloads or [w for w in LAYERS + MODELS if w in known] + SGEMM

    g_env = dict(os.environ, GANLIB_NUM_THREADS=str(a.threads))
    t_env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    t_env.update(MALLOC_MMAP_MAX_="0", MALLOC_TRIM_THRESHOLD_=str(64 << 30), OMP_NUM_THREADS=str(a.threads),
                 PYTHONPATH=str(HERE))

    sg = run_json([build / "bench" / "sgemm", "--ganlib-only"] + ([] if any(w in SGEMM for w in wanted) else ["--filter", "fma_peak_only"]), g_env)
    peak = next(r["gflops"] for r in sg if r.get("workload") == "fma_peak")
    rows = []
    for w in wanted:
        if w in SGEMM:
            r = next((r for r in sg if r.get("workload") == w), None)
            if r is None:
                continue
            t = run_json(["/usr/bin/python3", HERE / "pytorch_bench.py", w, "--threads", str(a.threads)], t_env)[0]
            row = {"workload": w, "threads": a.threads, "ganlib_gflops": r["gflops"], "pytorch_gflops": round(t["gflops"], 1),
                   "ratio": round(r["gflops"] / t["gflops"], 3), "ganlib_pct_peak": round(r["pct_peak"], 1),
                   "peak_gflops": round(peak, 1)}
        else:
            gt, tt, grss, trss, gflop = [], [], 0, 0, 0
            for _ in range(a.rounds):
                g = run_json([build / "bench" / "ganlib_bench", w, "--iters", str(a.iters), "--warmup", str(a.warmup)], g_env)[0]
                t = run_json(["/usr/bin/python3", HERE / "pytorch_bench.py", w, "--threads", str(a.threads),
                              "--iters", str(a.iters), "--warmup", str(a.warmup)], t_env)[0]
                gt += g["times_ms"]; tt += t["times_ms"]
                grss, trss = max(grss, g["rss_mb"]), max(trss, t["rss_mb"])
                gflop = g["gflop"] or t.get("gflop", 0)  # model workloads: PyTorch's hook count
            gm, tm = statistics.median(gt), statistics.median(tt)
            row = {"workload": w, "threads": a.threads, "ganlib_ms": round(gm, 2), "pytorch_ms": round(tm, 2),
                   "ratio": round(tm / gm, 3), "ganlib_rss_mb": round(grss, 1), "pytorch_rss_mb": round(trss, 1),
                   "gflop": round(gflop, 3),
                   "ganlib_pct_peak": round(100 * gflop / (gm / 1e3) / peak, 1) if gflop else None}
        print(json.dumps(row), flush=True)
        rows.append(row)

    if a.no_results_file:
        return
    path = HERE / "RESULTS.md"
    old = path.read_text() if path.exists() else ""
    section = f"## {a.threads} thread(s)"
    lines = [section, "",
             f"Machine: {cpu_name()}, {os.cpu_count()} cores; PyTorch {torch_version()}; "
             f"{datetime.date.today().isoformat()}; FMA-loop peak {peak:.0f} GFLOP/s at {a.threads} thread(s).",
             "Command: `" + f"bench/run_vs_pytorch.sh --threads {a.threads} {' '.join(a.workloads)}".rstrip() + "`", "",
             "| workload | ganlib | PyTorch | ratio (PyTorch/ganlib) | ganlib % of peak | RSS ganlib / PyTorch (MB) |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        if "ganlib_ms" in r:
            lines.append(f"| {r['workload']} | {r['ganlib_ms']} ms | {r['pytorch_ms']} ms | {r['ratio']} | "
                         f"{r['ganlib_pct_peak'] if r['ganlib_pct_peak'] is not None else '—'} | "
                         f"{r['ganlib_rss_mb']} / {r['pytorch_rss_mb']} |")
        else:
            lines.append(f"| {r['workload']} | {r['ganlib_gflops']} GFLOP/s | {r['pytorch_gflops']} GFLOP/s | "
                         f"{r['ratio']} | {r['ganlib_pct_peak']} | — |")
    # Keep the other thread counts' sections; replace this one.
    sections = [s for s in old.split("\n## ")[1:] if not ("## " + s).startswith(section)]
    body = "# Benchmarks: ganlib vs PyTorch on this CPU\n\nWritten by `bench/run_vs_pytorch.sh`; medians of " \
           f"{a.rounds} alternating rounds × {a.iters} timed iterations after {a.warmup} warm-up.\n\n" + \
           "\n".join(lines) + "\n" + "".join("\n## " + s.rstrip() + "\n" for s in sections)
    path.write_text(body)


def torch_version():
    try:
        return subprocess.run(["/usr/bin/python3", "-c", "import torch; print(torch.__version__)"],
                              capture_output=True, text=True).stdout.strip()
    except OSError:
        return "?"


if __name__ == "__main__":
    main()
