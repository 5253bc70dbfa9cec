#!/usr/bin/python3
"""PyTorch reference values for the pix2pixHD zoo tests (tests/zoo/test_pix2pixhd.cpp).

Run with Debian's python3-torch:  /usr/bin/python3 tests/reference/make_pix2pixhd_refs.py
The networks below are written for this project from the facts in ../shared/specs/zoo.md §1
(layer tables, key names, defaults); they are not the reference's code. The script
  * prints the parameter counts of the default (512p global) and 1024p (local, ngf 32, num_D 3)
    configurations, which the C++ test asserts (constants copied into the test), and
  * writes tests/reference/data/pix2pixhd/<case>.safetensors, float64: a small model's
    state_dict under "sd.<key>", its inputs and outputs, and metadata "keys" (JSON list, in
    PyTorch's order) and "count". The C++ test loads the weights with load_state_dict and
    compares outputs; CI needs no torch.
"""
import json, pathlib, struct, sys
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = pathlib.Path(__file__).resolve().parent / "data" / "pix2pixhd"
torch.set_default_dtype(torch.float64)
torch.manual_seed(0)


def norm_layer(kind):
    return (lambda c: nn.InstanceNorm2d(c, affine=False)) if kind == "instance" else nn.BatchNorm2d


class ResBlock(nn.Module):
    def __init__(self, dim, norm):
        super().__init__()
        self.conv_block = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3), norm(dim), nn.ReLU(),
                                        nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3), norm(dim))

    def forward(self, x):
        return x + self.conv_block(x)


def global_layers(inp, out, ngf, n_down, n_blocks, norm):
    L = [nn.ReflectionPad2d(3), nn.Conv2d(inp, ngf, 7), norm(ngf), nn.ReLU()]
    for i in range(n_down):
        m = 2 ** i
        L += [nn.Conv2d(ngf * m, ngf * m * 2, 3, 2, 1), norm(ngf * m * 2), nn.ReLU()]
    m = 2 ** n_down
    L += [ResBlock(ngf * m, norm) for _ in range(n_blocks)]
    for i in range(n_down):
        m = 2 ** (n_down - i)
        L += [nn.ConvTranspose2d(ngf * m, ngf * m // 2, 3, 2, 1, 1), norm(ngf * m // 2), nn.ReLU()]
    L += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, out, 7), nn.Tanh()]
    return L


class Global(nn.Module):
    def __init__(self, inp, out, ngf=64, n_down=3, n_blocks=9, norm="instance"):
        super().__init__()
        self.model = nn.Sequential(*global_layers(inp, out, ngf, n_down, n_blocks, norm_layer(norm)))

    def forward(self, x):
        return self.model(x)


def down(x):
    return F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)


class Local(nn.Module):
    def __init__(self, inp, out, ngf=32, n_down=3, n_blocks=9, n_local=1, n_blocks_local=3, norm="instance"):
        super().__init__()
        nl = norm_layer(norm)
        self.n_local = n_local
        self.model = nn.Sequential(*global_layers(inp, out, ngf * 2 ** n_local, n_down, n_blocks, nl)[:-3])
        for n in range(1, n_local + 1):
            g = ngf * 2 ** (n_local - n)
            front = [nn.ReflectionPad2d(3), nn.Conv2d(inp, g, 7), nl(g), nn.ReLU(),
                     nn.Conv2d(g, 2 * g, 3, 2, 1), nl(2 * g), nn.ReLU()]
            back = [ResBlock(2 * g, nl) for _ in range(n_blocks_local)]
            back += [nn.ConvTranspose2d(2 * g, g, 3, 2, 1, 1), nl(g), nn.ReLU()]
            if n == n_local:
                back += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, out, 7), nn.Tanh()]
            setattr(self, "model%d_1" % n, nn.Sequential(*front))
            setattr(self, "model%d_2" % n, nn.Sequential(*back))

    def forward(self, x):
        pyr = [x]
        for _ in range(self.n_local):
            pyr.append(down(pyr[-1]))
        prev = self.model(pyr[-1])
        for n in range(1, self.n_local + 1):
            prev = getattr(self, "model%d_2" % n)(getattr(self, "model%d_1" % n)(pyr[self.n_local - n]) + prev)
        return prev


def instance_pool(feat, inst):
    out = feat.clone()
    for b in range(feat.shape[0]):
        for i in torch.unique(inst[b]):
            m = (inst[b, 0] == i)
            for c in range(feat.shape[1]):
                out[b, c][m] = feat[b, c][m].mean()
    return out


class Encoder(nn.Module):
    def __init__(self, inp, out, ngf=16, n_down=4, norm="instance"):
        super().__init__()
        nl = norm_layer(norm)
        L = [nn.ReflectionPad2d(3), nn.Conv2d(inp, ngf, 7), nl(ngf), nn.ReLU()]
        for i in range(n_down):
            m = 2 ** i
            L += [nn.Conv2d(ngf * m, ngf * m * 2, 3, 2, 1), nl(ngf * m * 2), nn.ReLU()]
        for i in range(n_down):
            m = 2 ** (n_down - i)
            L += [nn.ConvTranspose2d(ngf * m, ngf * m // 2, 3, 2, 1, 1), nl(ngf * m // 2), nn.ReLU()]
        L += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, out, 7), nn.Tanh()]
        self.model = nn.Sequential(*L)

    def forward(self, x, inst):
        return instance_pool(self.model(x), inst)


def nlayer_stages(inp, ndf, n_layers, norm):
    nl = norm_layer(norm)
    S = [[nn.Conv2d(inp, ndf, 4, 2, 2), nn.LeakyReLU(0.2)]]
    nf = ndf
    for _ in range(1, n_layers):
        prev, nf = nf, min(nf * 2, 512)
        S += [[nn.Conv2d(prev, nf, 4, 2, 2), nl(nf), nn.LeakyReLU(0.2)]]
    prev, nf = nf, min(nf * 2, 512)
    S += [[nn.Conv2d(prev, nf, 4, 1, 2), nl(nf), nn.LeakyReLU(0.2)]]
    S += [[nn.Conv2d(nf, 1, 4, 1, 2)]]
    return S


class MultiD(nn.Module):
    """Feature-matching layout: keys scale<i>_layer<j>.<k>.*; scale num_D-1 sees full resolution."""
    def __init__(self, inp, ndf=64, n_layers=3, num_D=3, norm="instance"):
        super().__init__()
        self.num_D, self.n_layers = num_D, n_layers
        for i in range(num_D):
            for j, st in enumerate(nlayer_stages(inp, ndf, n_layers, norm)):
                setattr(self, "scale%d_layer%d" % (i, j), nn.Sequential(*st))

    def forward(self, x):
        res = []
        for i in range(self.num_D):
            s = self.num_D - 1 - i
            feats = [x]
            for j in range(self.n_layers + 2):
                feats.append(getattr(self, "scale%d_layer%d" % (s, j))(feats[-1]))
            res.append(feats[1:])
            if i != self.num_D - 1:
                x = down(x)
        return res


def count(m):
    return sum(p.numel() for p in m.parameters())


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


def randomize(m):
    # Non-trivial weights everywhere (biases too, and batch-norm affine params).
    with torch.no_grad():
        for n, p in m.named_parameters():
            p.copy_(torch.randn_like(p) * (0.15 if n.endswith("weight") else 0.1))
            if n.endswith("weight") and p.dim() == 1:
                p.add_(1.0)


def meta(m):
    return {"keys": list(m.state_dict().keys()), "count": count(m)}


def sd(m):
    return {"sd." + k: v.clone().double() for k, v in m.state_dict().items()}


def counts():
    # Default 512p: label_nc 35 + edge = 36 in, 3 out; D input 36 + 3 = 39.
    g512 = Global(36, 3, 64, 4, 9)
    l1024 = Local(36, 3, 32, 4, 9, 1, 3)
    d2 = MultiD(39, 64, 3, 2)
    d3 = MultiD(39, 64, 3, 3)
    e = Encoder(3, 3, 16, 4)
    g512f = Global(39, 3, 64, 4, 9)  # with instance_feat: 36 + feat_num 3
    g512b = Global(36, 3, 64, 4, 9, "batch")
    return {"G_global_512p": count(g512), "G_local_1024p": count(l1024), "D_numD2": count(d2),
            "D_numD3": count(d3), "E_default": count(e), "G_global_512p_feat": count(g512f),
            "G_global_512p_batch": count(g512b)}



def main():
    OUT.mkdir(parents=True, exist_ok=True)
    c = counts()
    print(json.dumps(c, indent=1))
    # Small configs, 64x32 input: label_nc 4 (+ edge) = 5 G input channels, 3 out.
    N, H, W = 2, 32, 64
    label = torch.randint(0, 4, (N, 1, H, W)).double()
    inst = label * 1000 + torch.randint(0, 2, (N, 1, H, W)).double()
    inst[:, :, :, : W // 2] = label[:, :, :, : W // 2]  # some stuff-like ids too
    one_hot = torch.cat([(label == k).double() for k in range(4)], 1)
    edge = torch.zeros_like(inst)
    dx = inst[:, :, :, 1:] != inst[:, :, :, :-1]
    dy = inst[:, :, 1:, :] != inst[:, :, :-1, :]
    edge[:, :, :, 1:] += dx
    edge[:, :, :, :-1] += dx
    edge[:, :, 1:, :] += dy
    edge[:, :, :-1, :] += dy
    edge = (edge > 0).double()
    x = torch.cat([one_hot, edge], 1)

    for norm in ["instance", "batch"]:
        g = Global(5, 3, 8, 2, 2, norm)
        randomize(g)
        g.train()
        t = sd(g)
        t.update({"label": label, "inst": inst, "x": x, "out": g(x)})
        write("global_" + norm, t, meta(g))

    lg = Local(5, 3, 4, 2, 2, 1, 1)
    randomize(lg)
    t = sd(lg)
    t.update({"x": x, "out": lg(x)})
    write("local", t, meta(lg))

    e = Encoder(3, 3, 4, 2)
    randomize(e)
    img = torch.rand(N, 3, H, W) * 2 - 1
    t = sd(e)
    t.update({"image": img, "inst": inst, "out": e(img, inst)})
    write("encoder", t, meta(e))

    d = MultiD(8, 8, 3, 2)
    randomize(d)
    fake = torch.tanh(torch.randn(N, 3, H, W))
    real = img
    xr, xf = torch.cat([x, real], 1), torch.cat([x, fake], 1)
    pr, pf = d(xr), d(xf)
    t = sd(d)
    t.update({"x_real": xr, "x_fake": xf})
    for i, outs in enumerate(pf):
        for j, o in enumerate(outs):
            t["fake.%d.%d" % (i, j)] = o
    for i, outs in enumerate(pr):
        for j, o in enumerate(outs):
            t["real.%d.%d" % (i, j)] = o
    # Losses as zoo.md 1.3: LSGAN summed over scales; feature matching weights
    # (4/(n_layers+1)) * (1/num_D) * lambda_feat over all but the last output.
    lam, num_D, n_layers = 10.0, 2, 3
    g_gan = sum(F.mse_loss(o[-1], torch.ones_like(o[-1])) for o in pf)
    d_real = sum(F.mse_loss(o[-1], torch.ones_like(o[-1])) for o in pr)
    d_fake = sum(F.mse_loss(o[-1], torch.zeros_like(o[-1])) for o in pf)
    feat = 0
    for i in range(num_D):
        for j in range(len(pf[i]) - 1):
            feat = feat + (4.0 / (n_layers + 1)) * (1.0 / num_D) * F.l1_loss(pf[i][j], pr[i][j].detach()) * lam
    bce_g = sum(F.binary_cross_entropy_with_logits(o[-1], torch.ones_like(o[-1])) for o in pf)
    t.update({"loss.G_GAN": g_gan, "loss.D_real": d_real, "loss.D_fake": d_fake, "loss.G_GAN_Feat": feat,
              "loss.G_GAN_bce": bce_g})
    write("multiscale_d", t, meta(d))


if __name__ == "__main__":
    sys.exit(main())
