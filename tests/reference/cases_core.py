"""Sample inputs for the core ops: elementwise (with broadcasting), reductions, views, matmul.

Each case: name (unique), op (the name the C++ registry knows), inputs (shapes or specs, see
make_refs.make_input), args (options, passed to fn and to the C++ op), fn (the PyTorch
reference), optional grad mask, tolerances, gradcheck / gradgradcheck flags.
"""
import torch
import torch.nn.functional as F

P = {"kind": "positive"}


def pos(shape):
    return {"shape": shape, "kind": "positive"}


CASES = [
    # elementwise binary, incl. broadcasting of size-1 and missing leading dims
    dict(name="add_bcast", op="add", inputs=[[2, 3, 4], [3, 1]], fn=lambda a, b: a + b, gradgradcheck=True),
    dict(name="sub_bcast", op="sub", inputs=[[4], [2, 3, 4]], fn=lambda a, b: a - b),
    dict(name="mul_bcast", op="mul", inputs=[[2, 1, 4], [1, 3, 1]], fn=lambda a, b: a * b, gradgradcheck=True),
    dict(name="div_bcast", op="div", inputs=[[2, 3], pos([3])], fn=lambda a, b: a / b, gradgradcheck=True),
    dict(name="pow_tt", op="pow", inputs=[pos([3, 2]), [3, 2]], fn=lambda a, b: a ** b),
    dict(name="maximum", op="maximum", inputs=[{"shape": [3, 4], "kind": "distinct"}, [4]],
         fn=lambda a, b: torch.maximum(a, b)),
    dict(name="where", op="where", inputs=[{"shape": [3, 4], "kind": "int", "hi": 2}, [3, 4], [1, 4]],
         grad=[False, True, True], fn=lambda c, a, b: torch.where(c != 0, a, b)),
    # scalar forms
    dict(name="add_scalar", op="add_scalar", inputs=[[5]], args={"s": 2.5}, fn=lambda x, s: x + s),
    dict(name="mul_scalar", op="mul_scalar", inputs=[[5]], args={"s": -1.5}, fn=lambda x, s: x * s),
    dict(name="pow_scalar", op="pow_scalar", inputs=[pos([2, 3])], args={"p": 2.5},
         fn=lambda x, p: x ** p, gradgradcheck=True),
    # unary math
    dict(name="neg", op="neg", inputs=[[6]], fn=lambda x: -x),
    dict(name="exp", op="exp", inputs=[[2, 3]], fn=torch.exp, gradgradcheck=True),
    dict(name="log", op="log", inputs=[pos([2, 3])], fn=torch.log, gradgradcheck=True),
    dict(name="sqrt", op="sqrt", inputs=[pos([2, 3])], fn=torch.sqrt, gradgradcheck=True),
    dict(name="abs", op="abs", inputs=[{"shape": [7], "kind": "distinct"}], fn=torch.abs),
    dict(name="square", op="square", inputs=[[2, 3]], fn=torch.square, gradgradcheck=True),
    dict(name="tanh", op="tanh", inputs=[[2, 3]], fn=torch.tanh, gradgradcheck=True),
    dict(name="sigmoid", op="sigmoid", inputs=[[2, 3]], fn=torch.sigmoid, gradgradcheck=True),
    dict(name="softplus", op="softplus", inputs=[[2, 5]], fn=F.softplus, gradgradcheck=True),
    dict(name="clamp", op="clamp", inputs=[{"shape": [3, 4], "kind": "distinct"}], args={"lo": -0.33, "hi": 0.41},
         fn=lambda x, lo, hi: torch.clamp(x, lo, hi)),
    # reductions
    dict(name="sum_all", op="sum", inputs=[[2, 3, 4]], args={"dims": [], "keepdim": False},
         fn=lambda x, dims, keepdim: x.sum(), gradgradcheck=True),
    dict(name="sum_dims", op="sum", inputs=[[2, 3, 4, 5]], args={"dims": [0, 2], "keepdim": True},
         fn=lambda x, dims, keepdim: x.sum(dim=dims, keepdim=keepdim)),
    dict(name="sum_neg_dim", op="sum", inputs=[[2, 3, 4]], args={"dims": [-1], "keepdim": False},
         fn=lambda x, dims, keepdim: x.sum(dim=dims, keepdim=keepdim)),
    dict(name="mean_dims", op="mean", inputs=[[2, 3, 4, 5]], args={"dims": [2, 3], "keepdim": False},
         fn=lambda x, dims, keepdim: x.mean(dim=dims, keepdim=keepdim), gradgradcheck=True),
    dict(name="var_unbiased", op="var", inputs=[[3, 4, 5]], args={"dims": [1, 2], "unbiased": True, "keepdim": True},
         fn=lambda x, dims, unbiased, keepdim: x.var(dim=dims, unbiased=unbiased, keepdim=keepdim),
         gradgradcheck=True),
    dict(name="var_biased", op="var", inputs=[[6, 5]], args={"dims": [0], "unbiased": False, "keepdim": False},
         fn=lambda x, dims, unbiased, keepdim: x.var(dim=dims, unbiased=unbiased, keepdim=keepdim)),
    dict(name="max_dims", op="max", inputs=[{"shape": [3, 4, 5], "kind": "distinct"}], args={"dims": [1], "keepdim": False},
         fn=lambda x, dims, keepdim: torch.amax(x, dim=dims, keepdim=keepdim)),
    dict(name="max_all", op="max", inputs=[{"shape": [3, 4], "kind": "distinct"}], args={"dims": [], "keepdim": False},
         fn=lambda x, dims, keepdim: torch.amax(x)),
    dict(name="min_dims", op="min", inputs=[{"shape": [4, 6], "kind": "distinct"}], args={"dims": [0, 1], "keepdim": True},
         fn=lambda x, dims, keepdim: torch.amin(x, dim=dims, keepdim=keepdim)),
    # views (the C++ side makes the result contiguous for comparison)
    dict(name="reshape", op="reshape", inputs=[[2, 3, 4]], args={"shape": [4, -1]},
         fn=lambda x, shape: x.reshape(shape)),
    dict(name="permute", op="permute", inputs=[[2, 3, 4]], args={"dims": [2, 0, 1]},
         fn=lambda x, dims: x.permute(dims)),
    dict(name="transpose_reshape", op="transpose_reshape", inputs=[[3, 4]], args={},
         fn=lambda x: x.t().reshape(2, 6)),
    dict(name="narrow", op="narrow", inputs=[[4, 6]], args={"dim": 1, "start": 2, "length": 3},
         fn=lambda x, dim, start, length: x.narrow(dim, start, length)),
    dict(name="select", op="select", inputs=[[4, 6]], args={"dim": 0, "index": -1},
         fn=lambda x, dim, index: x.select(dim, index)),
    dict(name="expand", op="expand", inputs=[[3, 1]], args={"shape": [2, 3, 4]},
         fn=lambda x, shape: x.expand(shape)),
    dict(name="unsqueeze_squeeze", op="unsqueeze_squeeze", inputs=[[3, 4]], args={},
         fn=lambda x: x.unsqueeze(1).unsqueeze(0).squeeze(0)),
    # linear algebra
    dict(name="matmul", op="matmul", inputs=[[3, 5], [5, 4]], fn=torch.matmul, gradgradcheck=True),
    dict(name="bmm", op="bmm", inputs=[[2, 3, 5], [2, 5, 4]], fn=torch.bmm, gradgradcheck=True),
    dict(name="linear_bias", op="linear", inputs=[[4, 6], [3, 6], [3]], fn=F.linear, gradgradcheck=True),
    dict(name="linear_nobias", op="linear", inputs=[[4, 6], [3, 6]], fn=F.linear),
]
