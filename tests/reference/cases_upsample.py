"""Sample inputs for upsample2d: F.interpolate(x, size | scale_factor, mode, align_corners), NCHW.

"square": True squares the output, so that gradgradcheck goes through upsample2d_backward's own
backward. A scale factor is used as given for the coordinate map (recompute_scale_factor off).
"""
import torch.nn.functional as F


def up(x, size=None, scale=None, mode="nearest", align_corners=None, square=False):
    if isinstance(scale, list):
        scale = tuple(scale)
    y = F.interpolate(x, size=size, scale_factor=scale, mode=mode, align_corners=align_corners)
    return y * y if square else y


CASES = [
    dict(name="nearest_x2", op="upsample2d", inputs=[[1, 2, 3, 4]], args={"scale": 2.0}, fn=up),
    dict(name="nearest_x1p5", op="upsample2d", inputs=[[1, 1, 5, 4]], args={"scale": 1.5}, fn=up),
    dict(name="nearest_x3", op="upsample2d", inputs=[[2, 1, 3, 3]], args={"scale": 3.0}, fn=up),
    # 1/1.25 = 0.8 differs from W/Wo = 10/12: floor(6·0.8) = 4 but floor(6·10/12) = 5
    dict(name="nearest_x1p25_scale_map", op="upsample2d", inputs=[[1, 1, 2, 10]], args={"scale": 1.25}, fn=up),
    dict(name="nearest_size", op="upsample2d", inputs=[[1, 2, 3, 4]], args={"size": [7, 5]}, fn=up),
    dict(name="nearest_down", op="upsample2d", inputs=[[1, 1, 5, 7]], args={"size": [2, 3]}, fn=up),
    dict(name="bilinear_x2", op="upsample2d", inputs=[[1, 2, 3, 4]],
         args={"scale": 2.0, "mode": "bilinear", "align_corners": False}, fn=up),
    dict(name="bilinear_x2_align", op="upsample2d", inputs=[[1, 2, 3, 4]],
         args={"scale": 2.0, "mode": "bilinear", "align_corners": True}, fn=up),
    dict(name="bilinear_size", op="upsample2d", inputs=[[1, 2, 3, 4]],
         args={"size": [5, 7], "mode": "bilinear", "align_corners": False}, fn=up),
    dict(name="bilinear_size_align", op="upsample2d", inputs=[[1, 2, 3, 4]],
         args={"size": [5, 7], "mode": "bilinear", "align_corners": True}, fn=up),
    dict(name="bilinear_x1p7", op="upsample2d", inputs=[[1, 1, 4, 3]],
         args={"scale": 1.7, "mode": "bilinear", "align_corners": False}, fn=up),
    dict(name="bilinear_rect_scale", op="upsample2d", inputs=[[1, 1, 3, 4]],
         args={"scale": [2.5, 1.5], "mode": "bilinear", "align_corners": False}, fn=up),
    dict(name="bilinear_down", op="upsample2d", inputs=[[1, 2, 6, 7]],
         args={"size": [4, 3], "mode": "bilinear", "align_corners": False}, fn=up),
    dict(name="bilinear_square_gradgrad", op="upsample2d", inputs=[[1, 1, 3, 3]],
         args={"scale": 2.0, "mode": "bilinear", "align_corners": False, "square": True}, fn=up,
         gradgradcheck=True),
    dict(name="nearest_square_gradgrad", op="upsample2d", inputs=[[1, 1, 2, 3]],
         args={"scale": 1.5, "square": True}, fn=up, gradgradcheck=True),
]
