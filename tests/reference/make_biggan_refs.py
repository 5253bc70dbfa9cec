#!/usr/bin/python3
"""BigGAN reference values for tests/zoo/test_biggan.cpp.

An independent PyTorch rendering of BigGAN-PyTorch's G and D, written from the facts in
shared/specs/zoo.md section 3 (not the reference's code): BigGAN-style spectral norm (u0/sv0
buffers), ccbn, GBlock, DBlock, SAGAN attention, shared embedding and hierarchical z.
Writes tests/reference/data/biggan/:
  small.safetensors   res 32, ch 16, G_shared + hier, attention at 16 in G and D, float64:
                      initial weights, inputs, train-mode outputs, the buffers after that
                      pass, gradients of mean(D(G(z))), and eval-mode outputs.
  sn.safetensors      a 7x5 weight: u0/sv0 after 1 and 50 train passes, and its top singular value.
  param_counts.json   parameter counts and output shapes for ch 96 at 128x128 (shared, hier,
                      dim_z 120, shared_dim 128, attention 64) and a few other configs.
Run: /usr/bin/python3 tests/reference/make_biggan_refs.py
"""
import json
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "biggan")


def save_file(tensors, path, metadata=None):
    """safetensors, float64 (no python3-safetensors here)."""
    header, blobs, offset = {"__metadata__": dict(metadata or {})}, [], 0
    for key in sorted(tensors):
        data = tensors[key].detach().contiguous().double().numpy().tobytes()
        header[key] = {"dtype": "F64", "shape": list(tensors[key].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - (8 + len(h)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


class SNMixin:
    """W / sigma, sigma from one power iteration starting at the stored u0 (written back in train mode)."""

    def sn_init(self, n_out, eps):
        self.sn_eps = eps
        self.register_buffer("u0", torch.randn(1, n_out))
        self.register_buffer("sv0", torch.ones(1))

    def sn_weight(self):
        W = self.weight.view(self.weight.size(0), -1)
        with torch.no_grad():
            v = F.normalize(self.u0 @ W, eps=self.sn_eps)
            u = F.normalize(v @ W.t(), eps=self.sn_eps)
            if self.training:
                self.u0[:] = u
        sigma = (v @ W.t() @ u.t()).squeeze()
        if self.training:
            with torch.no_grad():
                self.sv0[:] = sigma
        return self.weight / sigma


class SNConv2d(nn.Conv2d, SNMixin):
    def __init__(self, cin, cout, k=3, bias=True, eps=1e-6):
        nn.Conv2d.__init__(self, cin, cout, k, padding=k // 2, bias=bias)
        self.sn_init(cout, eps)

    def forward(self, x):
        return F.conv2d(x, self.sn_weight(), self.bias, 1, self.padding)


class SNLinear(nn.Linear, SNMixin):
    def __init__(self, cin, cout, bias=True, eps=1e-6):
        nn.Linear.__init__(self, cin, cout, bias=bias)
        self.sn_init(cout, eps)

    def forward(self, x):
        return F.linear(x, self.sn_weight(), self.bias)


class SNEmbedding(nn.Embedding, SNMixin):
    def __init__(self, n, d, eps=1e-6):
        nn.Embedding.__init__(self, n, d)
        self.sn_init(n, eps)

    def forward(self, y):
        return F.embedding(y, self.sn_weight())


class BNOut(nn.Module):
    def __init__(self, c, eps=1e-5):
        super().__init__()
        self.gain = nn.Parameter(torch.ones(c))
        self.bias = nn.Parameter(torch.zeros(c))
        self.register_buffer("stored_mean", torch.zeros(c))
        self.register_buffer("stored_var", torch.ones(c))
        self.eps = eps

    def forward(self, x):
        return F.batch_norm(x, self.stored_mean, self.stored_var, self.gain, self.bias, self.training, 0.1, self.eps)


class CCBN(nn.Module):
    def __init__(self, c, cond, eps):
        super().__init__()
        self.gain = SNLinear(cond, c, bias=False)
        self.bias = SNLinear(cond, c, bias=False)
        self.register_buffer("stored_mean", torch.zeros(c))
        self.register_buffer("stored_var", torch.ones(c))
        self.eps = eps

    def forward(self, x, c):
        g = (1 + self.gain(c)).view(c.size(0), -1, 1, 1)
        b = self.bias(c).view(c.size(0), -1, 1, 1)
        h = F.batch_norm(x, self.stored_mean, self.stored_var, None, None, self.training, 0.1, self.eps)
        return h * g + b


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.theta = SNConv2d(c, c // 8, 1, bias=False)
        self.phi = SNConv2d(c, c // 8, 1, bias=False)
        self.g = SNConv2d(c, c // 2, 1, bias=False)
        self.o = SNConv2d(c // 2, c, 1, bias=False)
        self.gamma = nn.Parameter(torch.tensor(0.0))

    def forward(self, x, y=None):
        n, c, h, w = x.shape
        th = self.theta(x).view(n, c // 8, h * w)
        ph = F.max_pool2d(self.phi(x), 2).view(n, c // 8, h * w // 4)
        g = F.max_pool2d(self.g(x), 2).view(n, c // 2, h * w // 4)
        beta = F.softmax(th.transpose(1, 2) @ ph, -1)
        o = self.o((g @ beta.transpose(1, 2)).view(n, c // 2, h, w))
        return x + self.gamma * o


class GBlock(nn.Module):
    def __init__(self, cin, cout, cond, bn_eps):
        super().__init__()
        self.conv1 = SNConv2d(cin, cout)
        self.conv2 = SNConv2d(cout, cout)
        self.conv_sc = SNConv2d(cin, cout, 1)
        self.bn1 = CCBN(cin, cond, bn_eps)
        self.bn2 = CCBN(cout, cond, bn_eps)

    def forward(self, x, y):
        h = F.relu(self.bn1(x, y))
        h = F.interpolate(h, scale_factor=2)
        x = F.interpolate(x, scale_factor=2)
        h = self.conv2(F.relu(self.bn2(self.conv1(h), y)))
        return h + self.conv_sc(x)


class DBlock(nn.Module):
    def __init__(self, cin, cout, preact, down):
        super().__init__()
        self.conv1 = SNConv2d(cin, cout)
        self.conv2 = SNConv2d(cout, cout)
        self.learnable = cin != cout or down
        if self.learnable:
            self.conv_sc = SNConv2d(cin, cout, 1)
        self.preact, self.down = preact, down

    def forward(self, x):
        h = F.relu(x) if self.preact else x
        h = self.conv2(F.relu(self.conv1(h)))
        if self.down:
            h = F.avg_pool2d(h, 2)
        if self.preact:
            s = self.conv_sc(x) if self.learnable else x
            s = F.avg_pool2d(s, 2) if self.down else s
        else:
            s = F.avg_pool2d(x, 2) if self.down else x
            s = self.conv_sc(s) if self.learnable else s
        return h + s


G_TABLE = {32: ([4, 4, 4], [4, 4, 4]), 64: ([16, 16, 8, 4], [16, 8, 4, 2]),
           128: ([16, 16, 8, 4, 2], [16, 8, 4, 2, 1]), 256: ([16, 16, 8, 8, 4, 2], [16, 8, 8, 4, 2, 1])}
D_TABLE = {32: ([4, 4, 4], [4, 4, 4, 4], [1, 1, 0, 0], [16, 16, 16, 16]),
           64: ([1, 2, 4, 8], [1, 2, 4, 8, 16], [1, 1, 1, 1, 0], [32, 16, 8, 4, 4]),
           128: ([1, 2, 4, 8, 16], [1, 2, 4, 8, 16, 16], [1, 1, 1, 1, 1, 0], [64, 32, 16, 8, 4, 4]),
           256: ([1, 2, 4, 8, 8, 16], [1, 2, 4, 8, 8, 16, 16], [1] * 6 + [0], [128, 64, 32, 16, 8, 4, 4])}


class G(nn.Module):
    def __init__(self, res, ch, dim_z, shared_dim, n_classes, attn, img_ch=3, bn_eps=1e-5):
        super().__init__()
        cin, cout = [ch * m for m in G_TABLE[res][0]], [ch * m for m in G_TABLE[res][1]]
        self.slots = len(cin) + 1
        self.chunk = dim_z // self.slots
        self.dim_z = self.chunk * self.slots
        self.shared = nn.Embedding(n_classes, shared_dim)
        self.linear = SNLinear(self.chunk, cin[0] * 16)
        blocks = []
        for i in range(len(cin)):
            b = [GBlock(cin[i], cout[i], shared_dim + self.chunk, bn_eps)]
            if (8 << i) in attn:
                b.append(Attention(cout[i]))
            blocks.append(nn.ModuleList(b))
        self.blocks = nn.ModuleList(blocks)
        self.output_layer = nn.Sequential(BNOut(cout[-1]), nn.ReLU(), SNConv2d(cout[-1], img_ch))

    def forward(self, z, c):
        zs = torch.split(z, self.chunk, 1)
        h = self.linear(zs[0]).view(z.size(0), -1, 4, 4)
        for i, bl in enumerate(self.blocks):
            yc = torch.cat([c, zs[i + 1]], 1)
            for m in bl:
                h = m(h, yc)
        return torch.tanh(self.output_layer(h))


class D(nn.Module):
    def __init__(self, res, ch, n_classes, attn, img_ch=3):
        super().__init__()
        tin, tout, down, rr = D_TABLE[res]
        cin, cout = [img_ch] + [ch * m for m in tin], [ch * m for m in tout]
        blocks = []
        for i in range(len(cout)):
            b = [DBlock(cin[i], cout[i], i > 0, bool(down[i]))]
            if rr[i] in attn:
                b.append(Attention(cout[i]))
            blocks.append(nn.ModuleList(b))
        self.blocks = nn.ModuleList(blocks)
        self.linear = SNLinear(cout[-1], 1)
        self.embed = SNEmbedding(n_classes, cout[-1])

    def forward(self, x, y):
        h = x
        for bl in self.blocks:
            for m in bl:
                h = m(h)
        h = torch.sum(F.relu(h), [2, 3])
        return self.linear(h) + torch.sum(self.embed(y) * h, 1, keepdim=True)


def ortho_init(m):
    for mod in m.modules():
        if isinstance(mod, (nn.Conv2d, nn.Linear, nn.Embedding)):
            nn.init.orthogonal_(mod.weight)


def sd(prefix, module):
    return {prefix + k: v.detach().clone().contiguous() for k, v in module.state_dict().items()}


def buffers(prefix, module):
    return {prefix + k: v.detach().clone().contiguous() for k, v in module.named_buffers()}


# Gradients kept for these parameters only (small files): every kind of layer appears.
GRAD_KEYS = ("shared.weight", "linear.weight", "linear.bias", "blocks.0.0.conv1.weight", "blocks.0.0.bn1.gain.weight",
             "blocks.1.1.gamma", "blocks.1.1.theta.weight", "blocks.2.0.conv_sc.weight", "output_layer.0.gain",
             "output_layer.2.weight", "blocks.0.0.conv_sc.weight", "blocks.3.0.conv2.bias", "embed.weight",
             "blocks.1.1.o.weight")


def small():
    torch.manual_seed(1)
    torch.set_default_dtype(torch.float64)
    res, ch, dim_z, shared_dim, ncls = 32, 8, 20, 16, 10
    g = G(res, ch, dim_z, shared_dim, ncls, attn={16})
    d = D(res, ch, ncls, attn={16})
    ortho_init(g)
    ortho_init(d)
    with torch.no_grad():  # non-zero gammas so attention matters, non-trivial BN gains
        for m in list(g.modules()) + list(d.modules()):
            if isinstance(m, Attention):
                m.gamma.fill_(0.7)
        g.output_layer[0].gain.uniform_(0.5, 1.5)
        g.output_layer[0].bias.uniform_(-0.3, 0.3)
    out = {}
    out.update(sd("G0.", g))
    out.update(sd("D0.", d))
    z = torch.randn(4, g.dim_z)
    y = torch.tensor([0, 3, 9, 3])
    out["z"], out["y"] = z, y.double()
    g.train()
    d.train()
    x = g(z, g.shared(y))
    dout = d(x, y)
    dout.mean().backward()
    out["G_train_out"], out["D_train_out"] = x.detach().clone(), dout.detach().clone()
    for k, p in g.named_parameters():
        if p.grad is not None and k in GRAD_KEYS:
            out["gradG." + k] = p.grad.clone()
    for k, p in d.named_parameters():
        if p.grad is not None and k in GRAD_KEYS:
            out["gradD." + k] = p.grad.clone()
    out.update(buffers("G1.", g))
    out.update(buffers("D1.", d))
    g.eval()
    d.eval()
    xr = torch.rand(4, 3, res, res) * 2 - 1
    with torch.no_grad():
        out["G_eval_out"] = g(z, g.shared(y))
        out["x_real"] = xr
        out["D_eval_out"] = d(xr, y)
    meta = {"config": json.dumps({"resolution": res, "G_ch": ch, "D_ch": ch, "batch": 4, "dim_z": dim_z, "shared_dim": shared_dim,
                                  "n_classes": ncls, "G_attn": "16", "D_attn": "16", "SN_eps": 1e-6,
                                  "G_shared": True, "hier": True})}
    save_file({k: v.contiguous() for k, v in out.items()}, os.path.join(OUT, "small.safetensors"), metadata=meta)


def sn():
    torch.manual_seed(2)
    torch.set_default_dtype(torch.float64)
    lin = SNLinear(5, 7, eps=1e-8)
    out = {"weight": lin.weight.detach().clone(), "bias": lin.bias.detach().clone(), "u0_init": lin.u0.clone()}
    x = torch.randn(3, 5)
    lin.train()
    out["x"] = x
    out["y1"] = lin(x).detach()
    out["u0_1"], out["sv0_1"] = lin.u0.clone(), lin.sv0.clone()
    for _ in range(49):
        lin(x)
    out["u0_50"], out["sv0_50"] = lin.u0.clone(), lin.sv0.clone()
    out["sigma_max"] = torch.linalg.svdvals(lin.weight.detach())[:1].clone()
    # torch.nn.utils.spectral_norm's converged sigma on the same weight, for comparison.
    ref = torch.nn.utils.spectral_norm(nn.Linear(5, 7), n_power_iterations=50)
    with torch.no_grad():
        ref.weight_orig.copy_(lin.weight)
    ref.train()
    ref(x)
    with torch.no_grad():
        out["torch_sigma"] = (ref.weight_u @ ref.weight_orig @ ref.weight_v).reshape(1)
    save_file({k: v.contiguous() for k, v in out.items()}, os.path.join(OUT, "sn.safetensors"))


def counts():
    torch.set_default_dtype(torch.float32)
    res = {}
    for name, r, ch, dz, sdim, attn in [("ch96_128", 128, 96, 120, 128, {64}), ("ch64_128", 128, 64, 120, 128, {64}),
                                        ("ch96_256", 256, 96, 119, 128, {64})]:
        g = G(r, ch, dz, sdim, 1000, attn)
        d = D(r, ch, 1000, attn)
        pg = sum(p.numel() for p in g.parameters())
        pd = sum(p.numel() for p in d.parameters())
        res[name] = {"resolution": r, "ch": ch, "dim_z": dz, "shared_dim": sdim, "G_params": pg, "D_params": pd,
                     "G_out": [2, 3, r, r], "D_out": [2, 1], "G_state_keys": len(g.state_dict()),
                     "D_state_keys": len(d.state_dict())}
        if name == "ch96_128":
            with torch.no_grad():
                g.eval()
                d.eval()
                z = torch.randn(2, g.dim_z)
                yy = torch.tensor([1, 2])
                res[name]["G_out"] = list(g(z, g.shared(yy)).shape)
                res[name]["D_out"] = list(d(torch.zeros(2, 3, r, r), yy).shape)
        del g, d
    with open(os.path.join(OUT, "param_counts.json"), "w") as f:
        json.dump(res, f, indent=1)
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    small()
    sn()
    counts()
