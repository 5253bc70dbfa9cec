"""Sample inputs for pad2d: F.pad(x, (left, right, top, bottom), mode, value) on NCHW / CHW.

"square": True squares the padded output, so that gradgradcheck goes through pad2d_backward's
own backward.
"""
import torch.nn.functional as F


def pad(x, pad, mode="constant", value=0.0, square=False):
    y = F.pad(x, pad, mode=mode, value=value) if mode == "constant" else F.pad(x, pad, mode=mode)
    return y * y if square else y


CASES = [
    # pix2pixHD: ReflectionPad2d(3) before the 7x7 convs
    dict(name="pad_reflect_3_pix2pixhd", op="pad2d", inputs=[[1, 3, 8, 8]],
         args={"pad": [3, 3, 3, 3], "mode": "reflect"}, fn=pad),
    dict(name="pad_reflect_3_small", op="pad2d", inputs=[[1, 2, 4, 5]],
         args={"pad": [3, 3, 3, 3], "mode": "reflect"}, fn=pad),
    dict(name="pad_reflect_asym", op="pad2d", inputs=[[2, 1, 4, 4]],
         args={"pad": [1, 2, 0, 3], "mode": "reflect"}, fn=pad),
    dict(name="pad_replicate", op="pad2d", inputs=[[1, 2, 3, 4]],
         args={"pad": [2, 1, 3, 0], "mode": "replicate"}, fn=pad),
    dict(name="pad_replicate_wide", op="pad2d", inputs=[[1, 1, 2, 2]],
         args={"pad": [4, 3, 2, 5], "mode": "replicate"}, fn=pad),
    dict(name="pad_constant_value", op="pad2d", inputs=[[1, 2, 3, 3]],
         args={"pad": [1, 2, 2, 1], "mode": "constant", "value": 0.5}, fn=pad),
    dict(name="pad_zeros_3d", op="pad2d", inputs=[[2, 3, 3]],
         args={"pad": [1, 1, 1, 1], "mode": "constant"}, fn=pad),
    dict(name="pad_reflect_3d", op="pad2d", inputs=[[2, 3, 4]],
         args={"pad": [2, 3, 1, 2], "mode": "reflect"}, fn=pad),
    dict(name="pad_reflect_square_gradgrad", op="pad2d", inputs=[[1, 1, 3, 4]],
         args={"pad": [2, 1, 2, 2], "mode": "reflect", "square": True}, fn=pad, gradgradcheck=True),
    dict(name="pad_replicate_square_gradgrad", op="pad2d", inputs=[[1, 1, 3, 3]],
         args={"pad": [1, 2, 2, 1], "mode": "replicate", "square": True}, fn=pad, gradgradcheck=True),
]
