"""Sample inputs for the activations (tests/reference/make_refs.py reads CASES; see cases_core.py
for the format): relu, leaky_relu, elu, softmax, log_softmax, incl. large logits (stability)."""
import torch
import torch.nn.functional as F


def big(shape):  # logits far from 0: a naive exp() would overflow
    return {"shape": shape, "kind": "uniform", "lo": 400.0, "hi": 440.0}


CASES = [
    dict(name="relu", op="relu", inputs=[[3, 7]], fn=F.relu),
    dict(name="leaky_relu", op="leaky_relu", inputs=[[2, 3, 5]], args={"slope": 0.2},
         fn=lambda x, slope: F.leaky_relu(x, slope), gradgradcheck=True),
    dict(name="leaky_relu_default", op="leaky_relu", inputs=[[11]], args={"slope": 0.01},
         fn=lambda x, slope: F.leaky_relu(x, slope)),
    dict(name="elu", op="elu", inputs=[[3, 6]], args={"alpha": 1.0},
         fn=lambda x, alpha: F.elu(x, alpha), gradgradcheck=True),
    dict(name="elu_alpha", op="elu", inputs=[[10]], args={"alpha": 0.7},
         fn=lambda x, alpha: F.elu(x, alpha), gradgradcheck=True),
    dict(name="softmax_dim1", op="softmax", inputs=[[2, 5, 3]], args={"dim": 1},
         fn=lambda x, dim: F.softmax(x, dim), gradgradcheck=True),
    dict(name="softmax_last", op="softmax", inputs=[[4, 6]], args={"dim": -1},
         fn=lambda x, dim: F.softmax(x, dim)),
    dict(name="softmax_big", op="softmax", inputs=[big([3, 4])], args={"dim": 1},
         fn=lambda x, dim: F.softmax(x, dim)),
    dict(name="log_softmax_dim0", op="log_softmax", inputs=[[5, 3]], args={"dim": 0},
         fn=lambda x, dim: F.log_softmax(x, dim), gradgradcheck=True),
    dict(name="log_softmax_last", op="log_softmax", inputs=[[2, 3, 4]], args={"dim": -1},
         fn=lambda x, dim: F.log_softmax(x, dim)),
    dict(name="log_softmax_big", op="log_softmax", inputs=[big([2, 5])], args={"dim": 1},
         fn=lambda x, dim: F.log_softmax(x, dim)),
]
