"""Sample inputs for avg_pool2d, max_pool2d and the global pools (NCHW).

args are F.avg_pool2d / F.max_pool2d's keyword arguments; "square": True squares the pooled
output, so that gradgradcheck goes through the recorded adjoint's own backward.
"""
import torch.nn.functional as F


def D(shape):
    return {"shape": shape, "kind": "distinct"}


def avg(x, square=False, **kw):
    y = F.avg_pool2d(x, **kw)
    return y * y if square else y


def mx(x, square=False, **kw):
    y = F.max_pool2d(x, **kw)
    return y * y if square else y


CASES = [
    # pix2pixHD's downsampler: 3x3, stride 2, padding 1, count_include_pad=False
    dict(name="avg_3x3_s2_p1_exclude_pad", op="avg_pool2d", inputs=[[1, 2, 7, 6]],
         args={"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False}, fn=avg),
    dict(name="avg_3x3_s2_p1_include_pad", op="avg_pool2d", inputs=[[1, 2, 7, 6]],
         args={"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": True}, fn=avg),
    dict(name="avg_2x2_default_stride", op="avg_pool2d", inputs=[[2, 3, 4, 6]],
         args={"kernel_size": 2}, fn=avg),
    dict(name="avg_rect", op="avg_pool2d", inputs=[[1, 2, 5, 6]],
         args={"kernel_size": [3, 2], "stride": [1, 2], "padding": [1, 0]}, fn=avg),
    dict(name="avg_ceil_exclude", op="avg_pool2d", inputs=[[1, 1, 5, 5]],
         args={"kernel_size": 2, "stride": 2, "ceil_mode": True, "count_include_pad": False}, fn=avg),
    dict(name="avg_ceil_pad_include", op="avg_pool2d", inputs=[[1, 2, 6, 6]],
         args={"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": True}, fn=avg),
    dict(name="avg_square_gradgrad", op="avg_pool2d", inputs=[[1, 2, 5, 5]],
         args={"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False, "square": True},
         fn=avg, gradgradcheck=True),
    dict(name="max_2x2", op="max_pool2d", inputs=[D([2, 2, 4, 6])], args={"kernel_size": 2}, fn=mx),
    dict(name="max_3x3_s2_p1", op="max_pool2d", inputs=[D([1, 2, 7, 6])],
         args={"kernel_size": 3, "stride": 2, "padding": 1}, fn=mx),
    dict(name="max_dilation2", op="max_pool2d", inputs=[D([1, 1, 6, 5])],
         args={"kernel_size": 2, "stride": 1, "dilation": 2}, fn=mx),
    dict(name="max_ceil", op="max_pool2d", inputs=[D([1, 2, 5, 5])],
         args={"kernel_size": 2, "stride": 2, "ceil_mode": True}, fn=mx),
    # ties: the first maximum of each window takes the gradient (not differentiable: no gradcheck)
    dict(name="max_ties_first", op="max_pool2d",
         inputs=[{"shape": [1, 1, 3, 4], "kind": "values",
                  "values": [1, 1, 2, 2, 1, 1, 2, 2, 0, 3, 3, 0]}],
         args={"kernel_size": 2, "stride": 1}, fn=mx, gradcheck=False),
    dict(name="max_square_gradgrad", op="max_pool2d", inputs=[D([1, 1, 4, 4])],
         args={"kernel_size": 2, "square": True}, fn=mx, gradgradcheck=True),
    dict(name="global_sum_pool", op="global_sum_pool", inputs=[[2, 3, 4, 5]], fn=lambda x: x.sum(dim=[2, 3])),
    dict(name="global_avg_pool", op="global_avg_pool", inputs=[[2, 3, 4, 5]], fn=lambda x: x.mean(dim=[2, 3])),
]
