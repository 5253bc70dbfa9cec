#!/usr/bin/python3
"""Classical optical-flow baselines on the held-out flying-shapes pairs: OpenCV's Farneback
and DIS (Debian python3-opencv; run with /usr/bin/python3). The pairs come from
`flownet_eval --dump DIR` (NNNNN_img1.png, NNNNN_img2.png, NNNNN_flow.flo), the same pairs
flownet_eval scores FlowNet2 on. Prints the average end-point error of each method as JSON lines
{"metric": ..., "value": ...}, plus seconds per pair.

Usage: /usr/bin/python3 bench/flow_baseline.py DIR
"""
import glob
import json
import os
import sys
import time

import numpy as np
import cv2


def read_flo(path):
    with open(path, "rb") as f:
        magic = np.fromfile(f, np.float32, 1)
        if magic.size != 1 or magic[0] != 202021.25:
            raise ValueError(f"{path}: not a .flo file (bad magic)")
        w, h = np.fromfile(f, np.int32, 2)
        data = np.fromfile(f, np.float32, 2 * w * h)
        if data.size != 2 * w * h:
            raise ValueError(f"{path}: truncated")
    return data.reshape(h, w, 2)


def epe(pred, gt):
    return float(np.sqrt(((pred - gt) ** 2).sum(-1)).mean())


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = sys.argv[1]
    stems = sorted(p[: -len("img1.png")] for p in glob.glob(os.path.join(root, "*_img1.png")))
    if not stems:
        sys.exit(f"flow_baseline: no *_img1.png pairs in {root}")
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    methods = {
        # OpenCV's documented example parameters (pyr_scale 0.5, 3 levels, window 15, 3 iterations,
        # poly_n 5, poly_sigma 1.2), and a larger window + one more level (poly_n 7, sigma 1.5).
        "farneback": lambda a, b: cv2.calcOpticalFlowFarneback(a, b, None, 0.5, 3, 15, 3, 5, 1.2, 0),
        "farneback_win25": lambda a, b: cv2.calcOpticalFlowFarneback(a, b, None, 0.5, 4, 25, 5, 7, 1.5, 0),
        "dis_medium": lambda a, b: dis.calc(a, b, None),
    }
    totals = {k: 0.0 for k in methods}
    times = {k: 0.0 for k in methods}
    zero = 0.0
    for s in stems:
        a = cv2.cvtColor(cv2.imread(s + "img1.png"), cv2.COLOR_BGR2GRAY)
        b = cv2.cvtColor(cv2.imread(s + "img2.png"), cv2.COLOR_BGR2GRAY)
        gt = read_flo(s + "flow.flo")
        zero += epe(np.zeros_like(gt), gt)
        for k, fn in methods.items():
            t0 = time.perf_counter()
            flow = fn(a, b)
            times[k] += time.perf_counter() - t0
            totals[k] += epe(flow, gt)
    n = len(stems)
    for k in methods:
        print(json.dumps({"metric": f"epe_{k}", "value": round(totals[k] / n, 4)}))
        print(json.dumps({"metric": f"seconds_per_pair_{k}", "value": round(times[k] / n, 5)}))
    print(json.dumps({"metric": "epe_zero_flow", "value": round(zero / n, 4)}))
    print(json.dumps({"metric": "pairs", "value": n}))


if __name__ == "__main__":
    main()
