"""Sample inputs for resampling: grid_sample (bilinear, zeros/border, align_corners on/off) and
flow_warp (backward warp by a pixel flow, border-clamped, as vid2vid / FlowNet2's Resample2d).

Grids are drawn in [-1.3, 1.3] so that some samples fall outside the image (partly and wholly);
flows are a few pixels so that warps reach past the border. Same format as cases_core.py.
"""
import torch
import torch.nn.functional as F


def grid(shape, lo=-1.3, hi=1.3):
    return {"shape": shape, "kind": "uniform", "lo": lo, "hi": hi}


def flow(shape, mag=3.0):
    return {"shape": shape, "kind": "uniform", "lo": -mag, "hi": mag}


def grid_sample(x, g, padding, align_corners):
    return F.grid_sample(x, g, mode="bilinear", padding_mode=padding, align_corners=align_corners)


def vid2vid_resample(x, fl):
    """vid2vid's BaseModel.resample: base grid in [-1, 1] + flow / ((size - 1) / 2), border."""
    n, _, h, w = x.shape
    gx = torch.linspace(-1.0, 1.0, w).view(1, 1, 1, w).expand(n, 1, h, w)
    gy = torch.linspace(-1.0, 1.0, h).view(1, 1, h, 1).expand(n, 1, h, w)
    base = torch.cat([gx, gy], 1)
    fl = torch.cat([fl[:, 0:1] / ((w - 1.0) / 2.0), fl[:, 1:2] / ((h - 1.0) / 2.0)], 1)
    return F.grid_sample(x, (base + fl).permute(0, 2, 3, 1), mode="bilinear",
                         padding_mode="border", align_corners=True)


def resample2d(x, fl):
    """FlowNet2's Resample2d (kernel_size 1): bilinear at (j + u, i + v) with the four neighbour
    indices clamped to the image, written with gathers."""
    n, c, h, w = x.shape
    jj = torch.arange(w, dtype=x.dtype).view(1, 1, w).expand(n, h, w)
    ii = torch.arange(h, dtype=x.dtype).view(1, h, 1).expand(n, h, w)
    px, py = jj + fl[:, 0], ii + fl[:, 1]
    x0, y0 = torch.floor(px), torch.floor(py)
    ax, ay = px - x0, py - y0
    x0, y0 = x0.long(), y0.long()
    xl, xr = x0.clamp(0, w - 1), (x0 + 1).clamp(0, w - 1)
    yt, yb = y0.clamp(0, h - 1), (y0 + 1).clamp(0, h - 1)
    flat = x.reshape(n, c, h * w)

    def tap(yy, xx):
        idx = (yy * w + xx).reshape(n, 1, h * w).expand(n, c, h * w)
        return flat.gather(2, idx).reshape(n, c, h, w)

    ax, ay = ax.unsqueeze(1), ay.unsqueeze(1)
    return ((1 - ax) * (1 - ay) * tap(yt, xl) + ax * (1 - ay) * tap(yt, xr) +
            (1 - ax) * ay * tap(yb, xl) + ax * ay * tap(yb, xr))


CASES = []
for pad in ("zeros", "border"):
    for ac in (False, True):
        tag = f"{pad}_{'ac' if ac else 'noac'}"
        CASES.append(dict(name=f"grid_sample_{tag}", op="grid_sample",
                          inputs=[[2, 3, 5, 6], grid([2, 4, 7, 2])],
                          args={"padding": pad, "align_corners": ac}, fn=grid_sample))
CASES += [
    # far outside on every side: whole rows of taps drop out (zeros) or clamp (border)
    dict(name="grid_sample_far_zeros", op="grid_sample", inputs=[[1, 2, 4, 3], grid([1, 5, 5, 2], -2.5, 2.5)],
         args={"padding": "zeros", "align_corners": False}, fn=grid_sample),
    dict(name="grid_sample_far_border", op="grid_sample", inputs=[[1, 2, 4, 3], grid([1, 5, 5, 2], -2.5, 2.5)],
         args={"padding": "border", "align_corners": True}, fn=grid_sample),
    # upsampling-sized output, one channel; a 1-pixel-wide image
    dict(name="grid_sample_up", op="grid_sample", inputs=[[1, 1, 3, 4], grid([1, 8, 9, 2], -1.0, 1.0)],
         args={"padding": "zeros", "align_corners": True}, fn=grid_sample),
    dict(name="grid_sample_width1", op="grid_sample", inputs=[[2, 2, 4, 1], grid([2, 3, 2, 2])],
         args={"padding": "border", "align_corners": False}, fn=grid_sample),
    # image only / grid only
    dict(name="grid_sample_x_only", op="grid_sample", inputs=[[2, 2, 4, 5], grid([2, 3, 3, 2])],
         grad=[True, False], args={"padding": "zeros", "align_corners": False}, fn=grid_sample),
    # second derivative through the image path (grid fixed): grid_sample of x² is not linear in x
    dict(name="grid_sample_of_square", op="grid_sample_of_square", inputs=[[1, 2, 4, 5], grid([1, 3, 4, 2])],
         grad=[True, False], args={"padding": "border", "align_corners": True},
         fn=lambda x, g, padding, align_corners: grid_sample(x * x, g, padding, align_corners),
         gradgradcheck=True),
    dict(name="grid_sample_grid_only", op="grid_sample", inputs=[[1, 3, 4, 4], grid([1, 3, 5, 2])],
         grad=[False, True], args={"padding": "border", "align_corners": False}, fn=grid_sample),
    # flow warps: vid2vid's formulation and FlowNet2's Resample2d give the same thing
    dict(name="flow_warp_vid2vid", op="flow_warp", inputs=[[2, 3, 5, 7], flow([2, 2, 5, 7])],
         fn=vid2vid_resample),
    dict(name="flow_warp_resample2d", op="flow_warp", inputs=[[1, 4, 6, 5], flow([1, 2, 6, 5], 4.0)],
         fn=resample2d),
    dict(name="flow_warp_small", op="flow_warp", inputs=[[2, 2, 4, 4], flow([2, 2, 4, 4], 0.7)],
         fn=vid2vid_resample),
    dict(name="flow_warp_image_only", op="flow_warp", inputs=[[1, 2, 5, 6], flow([1, 2, 5, 6], 2.0)],
         grad=[True, False], fn=resample2d),
    dict(name="flow_warp_of_square", op="flow_warp_of_square", inputs=[[1, 2, 5, 6], flow([1, 2, 5, 6], 2.0)],
         grad=[True, False], fn=lambda x, fl: vid2vid_resample(x * x, fl), gradgradcheck=True),
]
