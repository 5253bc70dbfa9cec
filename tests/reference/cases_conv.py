"""Sample inputs for conv2d and conv_transpose2d (NCHW), as torch.nn.functional.

Inputs: x, weight and optionally bias; args are F.conv2d / F.conv_transpose2d's keyword
arguments (ints or [h, w] pairs). gradgradcheck cases cover the closed family conv2d /
conv2d_input_grad / conv2d_weight_grad that a gradient penalty differentiates through.
"""
import torch.nn.functional as F


def conv(x, w, b=None, **kw):
    return F.conv2d(x, w, b, **kw)


def convt(x, w, b=None, **kw):
    return F.conv_transpose2d(x, w, b, **kw)


CASES = [
    dict(name="conv_basic", op="conv2d", inputs=[[2, 3, 5, 5], [4, 3, 3, 3], [4]],
         args={"padding": 1}, fn=conv, gradgradcheck=True),
    dict(name="conv_stride2_odd", op="conv2d", inputs=[[1, 2, 7, 6], [3, 2, 3, 3], [3]],
         args={"stride": 2, "padding": 1}, fn=conv, gradgradcheck=True),
    dict(name="conv_pad2_nobias", op="conv2d", inputs=[[1, 2, 4, 5], [2, 2, 3, 3]],
         args={"padding": 2}, fn=conv),
    dict(name="conv_dilation2", op="conv2d", inputs=[[1, 2, 7, 7], [2, 2, 3, 3], [2]],
         args={"padding": 2, "dilation": 2}, fn=conv),
    dict(name="conv_groups2", op="conv2d", inputs=[[2, 4, 5, 5], [6, 2, 3, 3], [6]],
         args={"padding": 1, "groups": 2}, fn=conv, gradgradcheck=True),
    dict(name="conv_1x1", op="conv2d", inputs=[[2, 4, 3, 3], [5, 4, 1, 1], [5]],
         fn=conv, gradgradcheck=True),
    dict(name="conv_1x1_stride2", op="conv2d", inputs=[[1, 3, 5, 5], [2, 3, 1, 1]],
         args={"stride": 2}, fn=conv),
    dict(name="conv_rect_mixed", op="conv2d", inputs=[[1, 2, 6, 5], [3, 2, 2, 3], [3]],
         args={"stride": [2, 1], "padding": [1, 0], "dilation": [1, 2]}, fn=conv),
    dict(name="conv_7x7_pad3", op="conv2d", inputs=[[1, 3, 6, 6], [2, 3, 7, 7], [2]],
         args={"padding": 3}, fn=conv),
    dict(name="conv_no_weight_grad", op="conv2d", inputs=[[3, 2, 4, 4], [2, 2, 3, 3]],
         grad=[True, False], args={"stride": 2}, fn=conv),
    dict(name="convt_s2_op1", op="conv_transpose2d", inputs=[[1, 3, 3, 4], [3, 2, 3, 3], [2]],
         args={"stride": 2, "padding": 1, "output_padding": 1}, fn=convt, gradgradcheck=True),
    dict(name="convt_k4_s2", op="conv_transpose2d", inputs=[[2, 2, 4, 4], [2, 3, 4, 4]],
         args={"stride": 2, "padding": 1}, fn=convt),
    dict(name="convt_groups2", op="conv_transpose2d", inputs=[[1, 4, 3, 3], [4, 1, 3, 3], [2]],
         args={"padding": 1, "groups": 2}, fn=convt, gradgradcheck=True),
    dict(name="convt_dilation2_op1", op="conv_transpose2d", inputs=[[1, 2, 3, 3], [2, 2, 3, 3], [2]],
         args={"padding": 1, "output_padding": 1, "dilation": 2}, fn=convt),
    dict(name="convt_1x1", op="conv_transpose2d", inputs=[[2, 3, 4, 4], [3, 2, 1, 1], [2]],
         fn=convt),
    dict(name="convt_rect", op="conv_transpose2d", inputs=[[1, 2, 3, 2], [2, 2, 3, 2]],
         args={"stride": [2, 3], "padding": [1, 0], "output_padding": [1, 2]}, fn=convt),
]
