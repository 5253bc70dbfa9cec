"""Sample inputs for FlowNetC's correlation layer (flownet2-pytorch's Correlation op).

torch has no such op, so the reference is written with plain torch ops: zero-pad both maps,
for every displacement (dy, dx)·stride2 multiply the first map with the shifted second one,
average over channels, then average-pool the k×k patch with stride stride1 (patch centres at
o·stride1 + max_displacement + (k-1)/2 in padded coordinates). Same format as cases_core.py.
"""
import math

import torch
import torch.nn.functional as F


def correlation(f1, f2, pad_size, kernel_size, max_displacement, stride1, stride2, corr_multiply=1):
    assert corr_multiply == 1
    n, c, h, w = f1.shape
    md, s2 = max_displacement, stride2
    kr = (kernel_size - 1) // 2
    border = md + kr
    p1 = F.pad(f1, [pad_size] * 4)
    p2 = F.pad(f2, [pad_size] * 4)
    hp, wp = h + 2 * pad_size, w + 2 * pad_size
    ho = math.ceil((hp - 2 * border) / stride1)
    wo = math.ceil((wp - 2 * border) / stride1)
    r = md // s2
    a = p1[:, :, md:hp - md, md:wp - md]
    outs = []
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            b = p2[:, :, md + dy * s2:hp - md + dy * s2, md + dx * s2:wp - md + dx * s2]
            prod = (a * b).mean(1, keepdim=True)
            outs.append(F.avg_pool2d(prod, kernel_size, stride=stride1))
    out = torch.cat(outs, 1)
    assert out.shape[2:] == (ho, wo), (out.shape, ho, wo)
    return out


def corr(pad_size, kernel_size, max_displacement, stride1, stride2):
    return {"pad_size": pad_size, "kernel_size": kernel_size, "max_displacement": max_displacement,
            "stride1": stride1, "stride2": stride2}


CASES = [
    # FlowNetC's setting (pad 20, k 1, max_disp 20, stride1 1, stride2 2) scaled down: 25 channels
    dict(name="corr_flownetc", op="correlation", inputs=[[2, 3, 7, 9], [2, 3, 7, 9]],
         args=corr(4, 1, 4, 1, 2), fn=correlation, gradgradcheck=True),
    # the same with more channels (the dot product's vector body and tail) and stride2 1
    dict(name="corr_k1_s2_1", op="correlation", inputs=[[1, 21, 5, 6], [1, 21, 5, 6]],
         args=corr(2, 1, 2, 1, 1), fn=correlation),
    # 3x3 patches, stride1 2 over odd sizes; padding larger than the border
    dict(name="corr_k3_s1_2", op="correlation", inputs=[[1, 4, 9, 7], [1, 4, 9, 7]],
         args=corr(3, 3, 2, 2, 1), fn=correlation, gradgradcheck=True),
    dict(name="corr_k3_pad5", op="correlation", inputs=[[2, 2, 6, 5], [2, 2, 6, 5]],
         args=corr(5, 3, 4, 2, 2), fn=correlation),
    # max_displacement not a multiple of stride2 (radius 5 // 2 = 2); no padding
    dict(name="corr_nondivisible", op="correlation", inputs=[[1, 3, 14, 13], [1, 3, 14, 13]],
         args=corr(0, 1, 5, 1, 2), fn=correlation),
    # stride1 3 leaving a remainder; 5x5 patch
    dict(name="corr_k5_s1_3", op="correlation", inputs=[[1, 2, 10, 11], [1, 2, 10, 11]],
         args=corr(2, 5, 1, 3, 1), fn=correlation),
    # wide channel counts: every vector block width of the kernels, plus scalar tails
    dict(name="corr_c130", op="correlation", inputs=[[1, 130, 4, 5], [1, 130, 4, 5]],
         args=corr(1, 1, 2, 1, 2), fn=correlation),
    dict(name="corr_c40_k3", op="correlation", inputs=[[1, 40, 4, 4], [1, 40, 4, 4]],
         args=corr(2, 3, 1, 1, 1), fn=correlation),
    # zero displacement: the channel mean of the product
    dict(name="corr_md0", op="correlation", inputs=[[2, 5, 3, 4], [2, 5, 3, 4]],
         args=corr(0, 1, 0, 1, 1), fn=correlation),
    # one input constant (no gradient to it)
    dict(name="corr_first_only", op="correlation", inputs=[[1, 3, 6, 6], [1, 3, 6, 6]],
         grad=[True, False], args=corr(2, 1, 2, 1, 2), fn=correlation),
    dict(name="corr_second_only", op="correlation", inputs=[[1, 3, 6, 6], [1, 3, 6, 6]],
         grad=[False, True], args=corr(2, 3, 2, 1, 2), fn=correlation),
]
