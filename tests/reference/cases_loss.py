"""Sample inputs for the losses (format: see cases_core.py): mse, l1, bce_with_logits,
cross_entropy (float-stored class ids, ignore_index), BigGAN's hinge losses, LSGAN."""
import torch
import torch.nn.functional as F


def unit(shape):
    return {"shape": shape, "kind": "uniform", "lo": 0.0, "hi": 1.0}


def ids(shape, hi):
    return {"shape": shape, "kind": "int", "hi": hi}


CASES = [
    dict(name="mse_mean", op="mse_loss", inputs=[[3, 4], [3, 4]], args={"reduction": "mean"},
         fn=lambda a, b, reduction: F.mse_loss(a, b, reduction=reduction), gradgradcheck=True),
    dict(name="mse_sum", op="mse_loss", inputs=[[2, 3, 2], [2, 3, 2]], args={"reduction": "sum"},
         fn=lambda a, b, reduction: F.mse_loss(a, b, reduction=reduction)),
    dict(name="mse_none", op="mse_loss", inputs=[[5], [5]], args={"reduction": "none"},
         fn=lambda a, b, reduction: F.mse_loss(a, b, reduction=reduction)),
    dict(name="l1_mean", op="l1_loss", inputs=[[3, 4], [3, 4]], args={"reduction": "mean"},
         fn=lambda a, b, reduction: F.l1_loss(a, b, reduction=reduction)),
    dict(name="l1_sum", op="l1_loss", inputs=[[6], [6]], args={"reduction": "sum"},
         fn=lambda a, b, reduction: F.l1_loss(a, b, reduction=reduction)),
    dict(name="l1_none", op="l1_loss", inputs=[[2, 3], [2, 3]], args={"reduction": "none"},
         fn=lambda a, b, reduction: F.l1_loss(a, b, reduction=reduction)),
    dict(name="bce_mean", op="bce_with_logits", inputs=[[3, 4], unit([3, 4])], grad=[True, False],
         args={"reduction": "mean"},
         fn=lambda x, t, reduction: F.binary_cross_entropy_with_logits(x, t, reduction=reduction),
         gradgradcheck=True),
    dict(name="bce_target_grad_sum", op="bce_with_logits", inputs=[[5], unit([5])],
         args={"reduction": "sum"},
         fn=lambda x, t, reduction: F.binary_cross_entropy_with_logits(x, t, reduction=reduction)),
    dict(name="bce_weight_none", op="bce_with_logits", inputs=[[2, 4], unit([2, 4]), unit([4])],
         grad=[True, False, False], args={"reduction": "none"},
         fn=lambda x, t, w, reduction: F.binary_cross_entropy_with_logits(x, t, weight=w, reduction=reduction)),
    dict(name="bce_large_logits", op="bce_with_logits",
         inputs=[{"shape": [8], "kind": "uniform", "lo": -60.0, "hi": 60.0}, ids([8], 2)],
         grad=[True, False], args={"reduction": "mean"},
         fn=lambda x, t, reduction: F.binary_cross_entropy_with_logits(x, t, reduction=reduction)),
    dict(name="ce_2d", op="cross_entropy", inputs=[[4, 5], ids([4], 5)], grad=[True, False],
         args={"ignore_index": -100, "reduction": "mean"},
         fn=lambda x, t, ignore_index, reduction: F.cross_entropy(x, t.long(), ignore_index=ignore_index, reduction=reduction),
         gradgradcheck=True),
    dict(name="ce_spatial", op="cross_entropy", inputs=[[2, 4, 3, 3], ids([2, 3, 3], 4)], grad=[True, False],
         args={"ignore_index": -100, "reduction": "mean"},
         fn=lambda x, t, ignore_index, reduction: F.cross_entropy(x, t.long(), ignore_index=ignore_index, reduction=reduction)),
    dict(name="ce_ignore_mean", op="cross_entropy", inputs=[[2, 3, 2, 3], ids([2, 2, 3], 3)], grad=[True, False],
         args={"ignore_index": 1, "reduction": "mean"},
         fn=lambda x, t, ignore_index, reduction: F.cross_entropy(x, t.long(), ignore_index=ignore_index, reduction=reduction)),
    dict(name="ce_ignore_none", op="cross_entropy", inputs=[[6, 3], ids([6], 3)], grad=[True, False],
         args={"ignore_index": 0, "reduction": "none"},
         fn=lambda x, t, ignore_index, reduction: F.cross_entropy(x, t.long(), ignore_index=ignore_index, reduction=reduction)),
    dict(name="ce_sum", op="cross_entropy", inputs=[[3, 4, 2], ids([3, 2], 4)], grad=[True, False],
         args={"ignore_index": -100, "reduction": "sum"},
         fn=lambda x, t, ignore_index, reduction: F.cross_entropy(x, t.long(), ignore_index=ignore_index, reduction=reduction)),
    dict(name="hinge_d", op="hinge_d", inputs=[[8], [2, 5]],
         fn=lambda r, f: F.relu(1 - r).mean() + F.relu(1 + f).mean()),
    dict(name="hinge_g", op="hinge_g", inputs=[[4, 1]], fn=lambda f: -f.mean()),
    dict(name="lsgan_real", op="lsgan_loss", inputs=[[3, 1, 4, 4]], args={"real": True},
         fn=lambda x, real: F.mse_loss(x, torch.ones_like(x)), gradgradcheck=True),
    dict(name="lsgan_fake", op="lsgan_loss", inputs=[[2, 1, 3, 3]], args={"real": False},
         fn=lambda x, real: F.mse_loss(x, torch.zeros_like(x))),
]
