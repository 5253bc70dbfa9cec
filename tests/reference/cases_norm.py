"""Sample inputs for batch_norm and instance_norm (format: see cases_core.py).

`layout` names the inputs in order (x, rm = running_mean, rv = running_var, w = weight,
b = bias); absent ones are None. The *_running ops return cat(running_mean, running_var) after
one training step, to check the in-place update (biased var normalises, unbiased updates)."""
import torch
import torch.nn.functional as F


def pos(shape):
    return {"shape": shape, "kind": "positive"}


def named(layout, ins):
    d = dict(zip(layout, ins))
    return d.get("x"), d.get("rm"), d.get("rv"), d.get("w"), d.get("b")


def bn(*ins, layout, training, momentum=0.1, eps=1e-5):
    x, rm, rv, w, b = named(layout, ins)
    rm = rm.detach().clone() if rm is not None else None
    rv = rv.detach().clone() if rv is not None else None
    return F.batch_norm(x, rm, rv, w, b, training=training, momentum=momentum, eps=eps)


def bn_running(*ins, layout, training, momentum=0.1, eps=1e-5):
    x, rm, rv, w, b = named(layout, ins)
    rm, rv = rm.detach().clone(), rv.detach().clone()
    F.batch_norm(x, rm, rv, w, b, training=training, momentum=momentum, eps=eps)
    return torch.cat([rm, rv])


def inorm(*ins, layout, use_input_stats=True, momentum=0.1, eps=1e-5):
    x, rm, rv, w, b = named(layout, ins)
    rm = rm.detach().clone() if rm is not None else None
    rv = rv.detach().clone() if rv is not None else None
    return F.instance_norm(x, rm, rv, w, b, use_input_stats=use_input_stats, momentum=momentum, eps=eps)


def inorm_running(*ins, layout, use_input_stats=True, momentum=0.1, eps=1e-5):
    x, rm, rv, w, b = named(layout, ins)
    rm, rv = rm.detach().clone(), rv.detach().clone()
    F.instance_norm(x, rm, rv, w, b, use_input_stats=use_input_stats, momentum=momentum, eps=eps)
    return torch.cat([rm, rv])


FULL = ["x", "rm", "rv", "w", "b"]
CASES = [
    # batch norm, training: batch statistics; double backward through the composed backward
    dict(name="bn_train", op="batch_norm", inputs=[[4, 3, 3, 2], [3], pos([3]), [3], [3]],
         grad=[True, False, False, True, True], args={"layout": FULL, "training": True},
         fn=bn, gradgradcheck=True),
    dict(name="bn_train_1d_noaffine", op="batch_norm", inputs=[[5, 4, 3], [4], pos([4])],
         grad=[True, False, False], args={"layout": ["x", "rm", "rv"], "training": True, "eps": 1e-3},
         fn=bn, gradgradcheck=True),
    dict(name="bn_train_nostats_2d", op="batch_norm", inputs=[[6, 3], [3], [3]],
         args={"layout": ["x", "w", "b"], "training": True}, fn=bn),
    dict(name="bn_train_bigger", op="batch_norm", inputs=[[3, 4, 9, 7], [4], pos([4]), [4], [4]],
         grad=[True, False, False, True, True], args={"layout": FULL, "training": True},
         fn=bn, gradcheck=False),
    dict(name="bn_eval", op="batch_norm", inputs=[[2, 3, 4, 4], [3], pos([3]), [3], [3]],
         grad=[True, False, False, True, True], args={"layout": FULL, "training": False},
         fn=bn, gradgradcheck=True),
    dict(name="bn_running", op="batch_norm_running", inputs=[[4, 3, 2, 3], [3], pos([3]), [3], [3]],
         grad=[False] * 5, args={"layout": FULL, "training": True, "momentum": 0.3},
         fn=bn_running, gradcheck=False),
    # instance norm: affine or not, with or without running statistics
    dict(name="in_affine", op="instance_norm", inputs=[[2, 3, 4, 5], [3], [3]],
         args={"layout": ["x", "w", "b"]}, fn=inorm, gradgradcheck=True),
    dict(name="in_plain", op="instance_norm", inputs=[[2, 3, 6, 5]], args={"layout": ["x"]}, fn=inorm),
    dict(name="in_track", op="instance_norm", inputs=[[3, 2, 4, 3], [2], pos([2])],
         grad=[True, False, False], args={"layout": ["x", "rm", "rv"]}, fn=inorm),
    dict(name="in_running", op="instance_norm_running", inputs=[[3, 2, 4, 3], [2], pos([2]), [2], [2]],
         grad=[False] * 5, args={"layout": FULL, "momentum": 0.2}, fn=inorm_running, gradcheck=False),
    dict(name="in_eval", op="instance_norm", inputs=[[2, 3, 3, 4], [3], pos([3]), [3], [3]],
         grad=[True, False, False, True, True],
         args={"layout": FULL, "use_input_stats": False}, fn=inorm),
    dict(name="in_bigger", op="instance_norm", inputs=[[1, 8, 32, 48], [8], [8]],
         args={"layout": ["x", "w", "b"]}, fn=inorm, gradcheck=False),
]
