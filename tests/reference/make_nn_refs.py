#!/usr/bin/python3
"""Writes PyTorch reference values for the module and optimizer tests (tests/nn, tests/optim).

Run with Debian's python3-torch:  /usr/bin/python3 tests/reference/make_nn_refs.py
Writes tests/reference/data/nn/<case>.safetensors, float64 throughout: each file holds a small
model's state_dict under "sd.<key>", its inputs ("x", "c", "gout") and outputs, and metadata
"keys" / "params" / "buffers" / "count" (JSON) with the model's state_dict keys in order.
The C++ tests load the weights with load_state_dict and compare outputs; CI needs no torch.
BigGAN's SN, ccbn and attention are re-implemented below from their description (zoo.md §3.3).
"""
import json, pathlib, struct
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = pathlib.Path(__file__).resolve().parent / "data" / "nn"
torch.set_default_dtype(torch.float64)


def write(name, tensors, meta=None):
    header, blobs, offset = {"__metadata__": {k: json.dumps(v) for k, v in (meta or {}).items()}}, [], 0
    for key in sorted(tensors):
        data = tensors[key].detach().contiguous().double().numpy().tobytes()
        header[key] = {"dtype": "F64", "shape": list(tensors[key].shape),
                       "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - (8 + len(h)) % 8) % 8)
    with open(OUT / f"{name}.safetensors", "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def model_meta(m):
    return {"keys": list(m.state_dict().keys()),
            "params": [n for n, _ in m.named_parameters()],
            "buffers": [n for n, _ in m.named_buffers()],
            "count": sum(p.numel() for p in m.parameters())}


def sd(m, prefix="sd."):
    return {prefix + k: v.clone().double() for k, v in m.state_dict().items()}


def grads(m, prefix="grad."):
    return {prefix + n: p.grad.clone() for n, p in m.named_parameters() if p.grad is not None}


def simple_case(name, m, x, train=True):
    """Forward (train mode), and the parameter / input gradients of sum(out * gout)."""
    m.train(train)
    t = sd(m)
    x = x.clone().requires_grad_(True)
    out = m(x)
    gout = torch.randn_like(out)
    (out * gout).sum().backward()
    t.update({"x": x.detach(), "out": out.detach(), "gout": gout, "grad.x": x.grad})
    t.update(grads(m))
    write(name, t, model_meta(m))


# ---- BigGAN-style pieces (written from zoo.md §3.3) ------------------------------------------
class BigGANSN:
    """One singular value: buffers u0 [1, out] and sv0 [1]; weight stays 'weight'."""
    def sn_init(self, eps):
        self.sn_eps = eps
        self.register_buffer("u0", torch.randn(1, self.weight.shape[0]))
        self.register_buffer("sv0", torch.ones(1))

    def W_(self):
        W = self.weight.view(self.weight.shape[0], -1)
        with torch.no_grad():
            v = F.normalize(self.u0 @ W, eps=self.sn_eps)
            u = F.normalize(v @ W.t(), eps=self.sn_eps)
            if self.training:
                self.u0[:] = u
        sv = torch.squeeze((v @ W.t()) @ u.t())
        if self.training:
            with torch.no_grad():
                self.sv0[:] = sv
        return self.weight / sv


class SNConv2d(nn.Conv2d, BigGANSN):
    def __init__(self, *a, eps=1e-8, **k):
        nn.Conv2d.__init__(self, *a, **k)
        self.sn_init(eps)

    def forward(self, x):
        return F.conv2d(x, self.W_(), self.bias, self.stride, self.padding, self.dilation, self.groups)


class SNLinear(nn.Linear, BigGANSN):
    def __init__(self, *a, eps=1e-8, **k):
        nn.Linear.__init__(self, *a, **k)
        self.sn_init(eps)

    def forward(self, x):
        return F.linear(x, self.W_(), self.bias)


class Attention(nn.Module):
    def __init__(self, ch, sn):
        super().__init__()
        self.ch = ch
        conv = (lambda i, o: SNConv2d(i, o, 1, bias=False, eps=1e-6)) if sn else \
            (lambda i, o: nn.Conv2d(i, o, 1, bias=False))
        self.theta, self.phi = conv(ch, ch // 8), conv(ch, ch // 8)
        self.g, self.o = conv(ch, ch // 2), conv(ch // 2, ch)
        self.gamma = nn.Parameter(torch.tensor(0.))

    def forward(self, x):
        H, W = x.shape[2], x.shape[3]
        theta = self.theta(x).view(-1, self.ch // 8, H * W)
        phi = F.max_pool2d(self.phi(x), [2, 2]).view(-1, self.ch // 8, H * W // 4)
        g = F.max_pool2d(self.g(x), [2, 2]).view(-1, self.ch // 2, H * W // 4)
        beta = F.softmax(torch.bmm(theta.transpose(1, 2), phi), -1)
        o = self.o(torch.bmm(g, beta.transpose(1, 2)).view(-1, self.ch // 2, H, W))
        return self.gamma * o + x


class CCBN(nn.Module):
    def __init__(self, C, cdim, sn):
        super().__init__()
        lin = (lambda: SNLinear(cdim, C, bias=False, eps=1e-6)) if sn else (lambda: nn.Linear(cdim, C, bias=False))
        self.gain, self.bias = lin(), lin()
        self.register_buffer("stored_mean", torch.zeros(C))
        self.register_buffer("stored_var", torch.ones(C))

    def forward(self, x, c):
        gain = (1 + self.gain(c)).view(c.size(0), -1, 1, 1)
        bias = self.bias(c).view(c.size(0), -1, 1, 1)
        out = F.batch_norm(x, self.stored_mean, self.stored_var, None, None, self.training, 0.1, 1e-5)
        return out * gain + bias


def multi_pass(name, m, x, passes=3, extra=None):
    """Several train-mode forwards (SN u updates, BN running stats), then one eval forward."""
    t = sd(m, "sd.")
    t["x"] = x
    if extra is not None:
        t["c"] = extra
    m.train()
    for i in range(passes):
        xi = x.clone().requires_grad_(True)
        out = m(xi) if extra is None else m(xi, extra)
        gout = torch.randn_like(out)
        m.zero_grad()
        (out * gout).sum().backward()
        t[f"out{i}"] = out.detach()
        t[f"gout{i}"] = gout
        t[f"grad{i}.x"] = xi.grad
        t.update(grads(m, f"grad{i}."))
        t.update(sd(m, f"sd{i}."))
        if hasattr(m, "weight_orig"):  # torch SN: the normalised weight and sigma of this pass
            t[f"sigma{i}"] = (m.weight_orig.flatten()[0] / m.weight.flatten()[0]).reshape(1).detach()
    m.eval()
    with torch.no_grad():
        t["out_eval"] = m(x) if extra is None else m(x, extra)
    t.update(sd(m, "sd_end."))
    write(name, t, model_meta(m))


def embedding_case(name, m, passes=3):
    ids = torch.tensor([[0, 3], [6, 3], [1, 2]])
    t = sd(m)
    t["x"] = ids.double()
    m.train()
    for i in range(passes):
        out = m(ids)
        gout = torch.randn_like(out)
        m.zero_grad()
        (out * gout).sum().backward()
        t[f"out{i}"], t[f"gout{i}"] = out.detach(), gout
        t.update(grads(m, f"grad{i}."))
        t.update(sd(m, f"sd{i}."))
    write(name, t, model_meta(m))


def optim_case(name, make_opt, steps=5):
    """A 2-layer model with two parameter groups; params after each step."""
    torch.manual_seed(11)
    m = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2))
    x, y = torch.randn(6, 4), torch.randn(6, 2)
    t = sd(m)
    t["x"], t["y"] = x, y
    opt = make_opt([{"params": m[0].parameters()}, {"params": m[2].parameters(), "lr": 0.05}])
    for s in range(steps):
        opt.zero_grad()
        ((m(x) - y) ** 2).mean().backward()
        opt.step()
        t.update(sd(m, f"step{s}."))
    write(name, t, model_meta(m))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    simple_case("linear", nn.Linear(5, 3), torch.randn(4, 5))
    simple_case("linear3d", nn.Linear(5, 3, bias=False), torch.randn(2, 4, 5))
    simple_case("conv", nn.Conv2d(3, 4, 3, stride=2, padding=1), torch.randn(2, 3, 7, 7))
    simple_case("convt", nn.ConvTranspose2d(4, 3, 3, stride=2, padding=1, output_padding=1),
                torch.randn(2, 4, 4, 5))
    bn = nn.BatchNorm2d(3)
    with torch.no_grad():
        bn.weight.normal_(1, 0.1), bn.bias.normal_(0, 0.1)
    multi_pass("batchnorm", bn, torch.randn(4, 3, 5, 5) * 2 + 1)
    inorm = nn.InstanceNorm2d(3, affine=True, track_running_stats=True)
    with torch.no_grad():
        inorm.weight.normal_(1, 0.1), inorm.bias.normal_(0, 0.1)
    multi_pass("instancenorm", inorm, torch.randn(2, 3, 4, 6) + 0.5)
    multi_pass("instancenorm_plain", nn.InstanceNorm2d(3), torch.randn(2, 3, 4, 6))
    multi_pass("sn_conv", nn.utils.spectral_norm(nn.Conv2d(3, 4, 3, padding=1)), torch.randn(2, 3, 5, 5))
    multi_pass("sn_linear", nn.utils.spectral_norm(nn.Linear(6, 5)), torch.randn(3, 6))
    multi_pass("sn_convt", nn.utils.spectral_norm(nn.ConvTranspose2d(3, 4, 4, stride=2, padding=1)),
               torch.randn(2, 3, 3, 3))
    multi_pass("sn2_linear", nn.utils.spectral_norm(nn.Linear(6, 5), n_power_iterations=2, eps=1e-6),
               torch.randn(3, 6))
    multi_pass("biggan_sn_conv", SNConv2d(3, 4, 3, padding=1, eps=1e-6), torch.randn(2, 3, 5, 5))
    att = Attention(16, sn=True)
    with torch.no_grad():
        att.gamma.fill_(0.7)
    multi_pass("attention", att, torch.randn(2, 16, 4, 6))
    multi_pass("ccbn", CCBN(4, 5, sn=True), torch.randn(3, 4, 3, 3), extra=torch.randn(3, 5))

    # A pix2pixHD-like stack: keys, count and a train + eval forward.
    seq = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU(),
                        nn.utils.spectral_norm(nn.ConvTranspose2d(8, 4, 4, 2, 1)),
                        nn.InstanceNorm2d(4, affine=True, track_running_stats=True),
                        nn.LeakyReLU(0.2), nn.ReplicationPad2d((1, 0, 0, 2)), nn.ZeroPad2d(1),
                        nn.Conv2d(4, 2, 1, bias=False), nn.Tanh())
    multi_pass("sequential", seq, torch.randn(2, 3, 4, 4), passes=2)
    nested = nn.Sequential(nn.Sequential(nn.Linear(3, 4), nn.ReLU()), nn.Linear(4, 2))
    write("nested_keys", sd(nested), model_meta(nested))

    embedding_case("sn_embedding", nn.utils.spectral_norm(nn.Embedding(7, 4)))
    embedding_case("embedding", nn.Embedding(7, 4))

    optim_case("adam", lambda g: torch.optim.Adam(g, lr=0.01, betas=(0.5, 0.999), eps=1e-8, weight_decay=0.01))
    optim_case("adam_biggan", lambda g: torch.optim.Adam(g, lr=2e-4, betas=(0.0, 0.999), eps=1e-8))
    optim_case("sgd", lambda g: torch.optim.SGD(g, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01))
    optim_case("sgd_plain", lambda g: torch.optim.SGD(g, lr=0.1))


if __name__ == "__main__":
    main()
