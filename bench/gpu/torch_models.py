"""bench/gpu/torch_models.py — the model-level GPU workloads of bench_gpu (models_gpu.hpp) in plain
PyTorch, for bench_torch.py. Each factory takes a device and returns step(), one iteration.

pix2pixhd1024_iter      bench/pytorch_models.py's pix2pixHD modules at the reference size: global G
                        ngf 64, 4 downsamplings, 9 blocks, instance norm, 36 input channels;
                        MultiscaleD num_D 2, n_layers 3, ndf 64 (39 channels); LSGAN + feature
                        matching (lambda 10), no VGG; Adam 2e-4 (0.5, 0.999); 1x36x512x1024.
biggan128_iter          BigGAN-128 (BigGAN-PyTorch's layout): G_ch = D_ch = 96, hierarchical z 120,
                        shared embedding 128, 1000 classes, self-attention at 64 in G and D, SN on G
                        and D, hinge loss, batch 32, Adam G 1e-4 / D 4e-4, betas (0, 0.999), eps 1e-6;
                        1 D step (fake and real in one D pass) + 1 G step with D frozen.
flownet2_infer_512x384  FlowNet2 (C, S, S, SD, fusion; flownet2-pytorch's layers) on one 512x384
                        pair, no grad. Correlation and Resample2d are plain PyTorch ops here (the
                        reference uses custom CUDA kernels): see correlation() and resample().
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm as SN

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import pytorch_models as pm  # noqa: E402  (bench/pytorch_models.py: the CPU benchmark's modules)


# ---- pix2pixHD 1024x512 ------------------------------------------------------------------------
def pix2pixhd1024_iter(dev, size=(512, 1024), ngf=64, ndf=64, amp=False):
    torch.manual_seed(0)
    num_D, n_layers = 2, 3
    G = pm.global_generator(input_nc=36, output_nc=3, ngf=ngf, n_down=4, n_blocks=9).to(dev)
    D = pm.MultiscaleD(num_D=num_D, input_nc=39, ndf=ndf, n_layers=n_layers).to(dev)
    label = torch.randn(1, 36, *size, device=dev)
    real = torch.rand(1, 3, *size, device=dev) * 2 - 1
    return pm.pix2pixhd_step(G, D, label, real, num_D, n_layers, amp=amp)


# ---- BigGAN-128 --------------------------------------------------------------------------------
class Attention(nn.Module):
    """BigGAN-PyTorch's layers.Attention (SAGAN non-local block), SN 1x1 convs without bias."""

    def __init__(self, ch):
        super().__init__()
        self.ch = ch
        self.theta = SN(nn.Conv2d(ch, ch // 8, 1, bias=False))
        self.phi = SN(nn.Conv2d(ch, ch // 8, 1, bias=False))
        self.g = SN(nn.Conv2d(ch, ch // 2, 1, bias=False))
        self.o = SN(nn.Conv2d(ch // 2, ch, 1, bias=False))
        self.gamma = nn.Parameter(torch.tensor(0.0))

    def forward(self, x):
        n, c, h, w = x.shape
        theta = self.theta(x).view(n, c // 8, h * w)
        phi = F.max_pool2d(self.phi(x), 2).view(n, c // 8, h * w // 4)
        g = F.max_pool2d(self.g(x), 2).view(n, c // 2, h * w // 4)
        beta = F.softmax(torch.bmm(theta.transpose(1, 2), phi), -1)
        o = self.o(torch.bmm(g, beta.transpose(1, 2)).view(n, c // 2, h, w))
        return self.gamma * o + x


class BigGenerator128(nn.Module):
    def __init__(self, ch=96, dim_z=120, shared_dim=128, n_classes=1000, attn_res=64):
        super().__init__()
        ins, outs = [16 * ch, 16 * ch, 8 * ch, 4 * ch, 2 * ch], [16 * ch, 8 * ch, 4 * ch, 2 * ch, ch]
        self.chunk = dim_z // (len(ins) + 1)
        self.shared = nn.Embedding(n_classes, shared_dim)
        self.linear = SN(nn.Linear(self.chunk, ins[0] * 16))
        self.blocks = nn.ModuleList(pm.GBlock(i, o, shared_dim + self.chunk) for i, o in zip(ins, outs))
        self.attn = nn.ModuleDict({str(k): Attention(outs[k]) for k in range(len(outs)) if 8 << k == attn_res})
        self.out_bn = nn.BatchNorm2d(ch)
        self.out_conv = SN(nn.Conv2d(ch, 3, 3, 1, 1))
        self.c0 = ins[0]

    def forward(self, z, y_emb):
        zs = torch.split(z, self.chunk, 1)
        h = self.linear(zs[0]).view(z.size(0), self.c0, 4, 4)
        for k, b in enumerate(self.blocks):
            h = b(h, torch.cat([y_emb, zs[k + 1]], 1))
            if str(k) in self.attn:
                h = self.attn[str(k)](h)
        return torch.tanh(self.out_conv(F.relu(self.out_bn(h))))


class BigDiscriminator128(nn.Module):
    def __init__(self, ch=96, n_classes=1000, attn_res=64):
        super().__init__()
        ins = [3, ch, 2 * ch, 4 * ch, 8 * ch, 16 * ch]
        outs = [ch, 2 * ch, 4 * ch, 8 * ch, 16 * ch, 16 * ch]
        downs = [True] * 5 + [False]
        self.blocks = nn.ModuleList(pm.DBlock(i, o, k > 0, d) for k, (i, o, d) in enumerate(zip(ins, outs, downs)))
        res, self.attn = 128, nn.ModuleDict()
        for k, d in enumerate(downs):
            res = res // 2 if d else res
            if res == attn_res:  # BigGAN-PyTorch: attention after every block at that resolution
                self.attn[str(k)] = Attention(outs[k])
        self.linear = SN(nn.Linear(16 * ch, 1))
        self.embed = SN(nn.Embedding(n_classes, 16 * ch))

    def forward(self, x, y):
        h = x
        for k, b in enumerate(self.blocks):
            h = b(h)
            if str(k) in self.attn:
                h = self.attn[str(k)](h)
        h = torch.sum(F.relu(h), [2, 3])
        return self.linear(h) + torch.sum(self.embed(y) * h, 1, keepdim=True)


def biggan128_iter(dev, batch=32, ch=96, res=128, amp=False):
    """amp: G's and D's forward under fp16 autocast, losses scaled by one GradScaler (ganlib's
    --G_mixed_precision --D_mixed_precision)."""
    torch.manual_seed(0)
    G, D = BigGenerator128(ch).to(dev), BigDiscriminator128(ch).to(dev)
    oG = torch.optim.Adam(G.parameters(), 1e-4, betas=(0.0, 0.999), eps=1e-6)
    oD = torch.optim.Adam(D.parameters(), 4e-4, betas=(0.0, 0.999), eps=1e-6)
    x = torch.rand(batch, 3, res, res, device=dev) * 2 - 1
    y_real = torch.randint(0, 1000, (batch,), device=dev)
    scaler = torch.cuda.amp.GradScaler(enabled=amp)

    def mixed():
        return torch.autocast("cuda", dtype=torch.float16, enabled=amp)

    def step():
        # D step: G under no_grad, one D pass over [fake; real] (BigGAN-PyTorch without split_D).
        D.requires_grad_(True)
        z, y = torch.randn(batch, 120, device=dev), torch.randint(0, 1000, (batch,), device=dev)
        with torch.no_grad(), mixed():
            fake = G(z, G.shared(y))
        oD.zero_grad()
        with mixed():
            out = D(torch.cat([fake, x]), torch.cat([y, y_real]))
        loss_real, loss_fake = F.relu(1 - out[batch:].float()).mean(), F.relu(1 + out[:batch].float()).mean()
        scaler.scale(loss_real + loss_fake).backward()
        scaler.step(oD)
        scaler.update()
        # G step with D frozen (toggle_grads).
        D.requires_grad_(False)
        z, y = torch.randn(batch, 120, device=dev), torch.randint(0, 1000, (batch,), device=dev)
        oG.zero_grad()
        with mixed():
            out = D(G(z, G.shared(y)), y)
        loss_G = -out.float().mean()
        scaler.scale(loss_G).backward()
        scaler.step(oG)
        scaler.update()
        D.requires_grad_(True)
        # The reference's train function returns the losses as floats (a device sync), as ganlib's.
        return float(loss_G.item()), float(loss_real.item()), float(loss_fake.item())
    return step


# ---- FlowNet2 ----------------------------------------------------------------------------------
def correlation(f1, f2, pad=20, max_disp=20, stride2=2):
    """flownet2-pytorch's Correlation(pad 20, kernel 1, max displacement 20, stride1 1, stride2 2)
    in plain ops: for each vertical displacement, the horizontal ones as unfold windows. Output
    [N, 441, H, W], channel (dy index) * 21 + (dx index), the sum over C divided by C."""
    n, c, h, w = f1.shape
    f2p = F.pad(f2, (pad, pad, pad, pad))
    rows = []
    for dy in range(-max_disp, max_disp + 1, stride2):
        win = f2p[:, :, pad + dy:pad + dy + h, :].unfold(3, w, stride2)  # [N, C, H, 21, W]
        rows.append((f1.unsqueeze(3) * win).sum(1).permute(0, 2, 1, 3))  # [N, 21, H, W]
    return torch.cat(rows, 1) / c


def resample(img, flow):
    """Resample2d (backward warp by a pixel flow, bilinear, border-clamped) via grid_sample."""
    n, _, h, w = img.shape
    ys, xs = torch.meshgrid(torch.arange(h, device=img.device, dtype=img.dtype),
                            torch.arange(w, device=img.device, dtype=img.dtype), indexing="ij")
    gx = (xs + flow[:, 0]) * (2.0 / (w - 1)) - 1
    gy = (ys + flow[:, 1]) * (2.0 / (h - 1)) - 1
    return F.grid_sample(img, torch.stack([gx, gy], 3), mode="bilinear", padding_mode="border", align_corners=True)


def channelnorm(x):
    return torch.norm(x, p=2, dim=1, keepdim=True)


def i_conv(cin, cout, k=3, s=1):
    return nn.Conv2d(cin, cout, k, s, (k - 1) // 2, bias=True)


def predict_flow(cin):
    return nn.Conv2d(cin, 2, 3, 1, 1, bias=True)


class Decoder(nn.Module):
    """FlowNetS / FlowNetC's refinement decoder (deconv5..2, predict_flow6..2, 2->2 upsamplers)."""

    def __init__(self, c6, c5, c4, c3, c2, up_bias):
        super().__init__()
        in5, in4, in3, in2 = c5 + 512 + 2, c4 + 256 + 2, c3 + 128 + 2, c2 + 64 + 2
        self.deconv5, self.deconv4 = pm.deconv(c6, 512), pm.deconv(in5, 256)
        self.deconv3, self.deconv2 = pm.deconv(in4, 128), pm.deconv(in3, 64)
        self.pf = nn.ModuleList(predict_flow(c) for c in (c6, in5, in4, in3, in2))
        self.up = nn.ModuleList(nn.ConvTranspose2d(2, 2, 4, 2, 1, bias=up_bias) for _ in range(4))

    def forward(self, c6, c5, c4, c3, c2):
        f6 = self.pf[0](c6)
        cat5 = torch.cat([c5, self.deconv5(c6), self.up[0](f6)], 1)
        f5 = self.pf[1](cat5)
        cat4 = torch.cat([c4, self.deconv4(cat5), self.up[1](f5)], 1)
        f4 = self.pf[2](cat4)
        cat3 = torch.cat([c3, self.deconv3(cat4), self.up[2](f4)], 1)
        f3 = self.pf[3](cat3)
        cat2 = torch.cat([c2, self.deconv2(cat3), self.up[3](f3)], 1)
        return self.pf[4](cat2)


class FlowNetS(nn.Module):
    def __init__(self, cin=12):
        super().__init__()
        c = pm.conv
        self.enc = nn.ModuleList([c(cin, 64, 7, 2), c(64, 128, 5, 2), c(128, 256, 5, 2), c(256, 256),
                                  c(256, 512, s=2), c(512, 512), c(512, 512, s=2), c(512, 512),
                                  c(512, 1024, s=2), c(1024, 1024)])
        self.dec = Decoder(1024, 512, 512, 256, 128, up_bias=False)

    def forward(self, x):
        e = self.enc
        c2 = e[1](e[0](x))
        c3 = e[3](e[2](c2))
        c4 = e[5](e[4](c3))
        c5 = e[7](e[6](c4))
        return self.dec(e[9](e[8](c5)), c5, c4, c3, c2)


class FlowNetC(nn.Module):
    def __init__(self):
        super().__init__()
        c = pm.conv
        self.conv1, self.conv2, self.conv3 = c(3, 64, 7, 2), c(64, 128, 5, 2), c(128, 256, 5, 2)
        self.conv_redir = c(256, 32, 1, 1)
        self.enc = nn.ModuleList([c(32 + 441, 256), c(256, 512, s=2), c(512, 512), c(512, 512, s=2),
                                  c(512, 512), c(512, 1024, s=2), c(1024, 1024)])
        self.dec = Decoder(1024, 512, 512, 256, 128, up_bias=True)

    def forward(self, x):
        c2a = self.conv2(self.conv1(x[:, :3]))
        c3a = self.conv3(c2a)
        c3b = self.conv3(self.conv2(self.conv1(x[:, 3:])))
        corr = F.leaky_relu(correlation(c3a, c3b), 0.1)
        e = self.enc
        c3 = e[0](torch.cat([self.conv_redir(c3a), corr], 1))
        c4 = e[2](e[1](c3))
        c5 = e[4](e[3](c4))
        return self.dec(e[6](e[5](c5)), c5, c4, c3, c2a)


class FlowNetSD(nn.Module):
    def __init__(self):
        super().__init__()
        c = pm.conv
        self.enc = nn.ModuleList([c(6, 64), c(64, 64, s=2), c(64, 128), c(128, 128, s=2), c(128, 128),
                                  c(128, 256, s=2), c(256, 256), c(256, 512, s=2), c(512, 512),
                                  c(512, 512, s=2), c(512, 512), c(512, 1024, s=2), c(1024, 1024)])
        in5, in4, in3, in2 = 1026, 770, 386, 194
        self.deconv = nn.ModuleList([pm.deconv(1024, 512), pm.deconv(in5, 256), pm.deconv(in4, 128), pm.deconv(in3, 64)])
        self.inter = nn.ModuleList([i_conv(in5, 512), i_conv(in4, 256), i_conv(in3, 128), i_conv(in2, 64)])
        self.pf = nn.ModuleList(predict_flow(c) for c in (1024, 512, 256, 128, 64))
        self.up = nn.ModuleList(nn.ConvTranspose2d(2, 2, 4, 2, 1) for _ in range(4))

    def forward(self, x):
        e = self.enc
        c0 = e[0](x)
        skips = []
        h = c0
        for k in range(1, 13, 2):
            h = e[k + 1](e[k](h))
            skips.append(h)  # c1 .. c6
        h, flow = skips[5], self.pf[0](skips[5])
        for lvl in range(4):  # levels 5, 4, 3, 2
            cat = torch.cat([skips[4 - lvl], self.deconv[lvl](h), self.up[lvl](flow)], 1)
            flow = self.pf[lvl + 1](self.inter[lvl](cat))
            h = cat
        return flow


class FlowNetFusion(nn.Module):
    def __init__(self):
        super().__init__()
        c = pm.conv
        self.conv0, self.conv1, self.conv1_1 = c(11, 64), c(64, 64, s=2), c(64, 128)
        self.conv2, self.conv2_1 = c(128, 128, s=2), c(128, 128)
        self.deconv1, self.deconv0 = pm.deconv(128, 32), pm.deconv(162, 16)
        self.inter_conv1, self.inter_conv0 = i_conv(162, 32), i_conv(82, 16)
        self.pf2, self.pf1, self.pf0 = predict_flow(128), predict_flow(32), predict_flow(16)
        self.up2, self.up1 = nn.ConvTranspose2d(2, 2, 4, 2, 1), nn.ConvTranspose2d(2, 2, 4, 2, 1)

    def forward(self, x):
        c0 = self.conv0(x)
        c1 = self.conv1_1(self.conv1(c0))
        c2 = self.conv2_1(self.conv2(c1))
        f2 = self.pf2(c2)
        cat1 = torch.cat([c1, self.deconv1(c2), self.up2(f2)], 1)
        f1 = self.pf1(self.inter_conv1(cat1))
        cat0 = torch.cat([c0, self.deconv0(cat1), self.up1(f1)], 1)
        return self.pf0(self.inter_conv0(cat0))


class FlowNet2(nn.Module):
    """flownet2-pytorch's FlowNet2.forward (rgb_max 255, div_flow 20), eval outputs."""

    def __init__(self, rgb_max=255.0, div_flow=20.0):
        super().__init__()
        self.rgb_max, self.div_flow = rgb_max, div_flow
        self.flownetc, self.flownets_1, self.flownets_2 = FlowNetC(), FlowNetS(12), FlowNetS(12)
        self.flownets_d, self.flownetfusion = FlowNetSD(), FlowNetFusion()

    def forward(self, img1, img2):
        mean = 0.5 * (img1.mean((2, 3), keepdim=True) + img2.mean((2, 3), keepdim=True))
        x = torch.cat([(img1 - mean) / self.rgb_max, (img2 - mean) / self.rgb_max], 1)
        x1, x2 = x[:, :3], x[:, 3:]
        up_bilinear = lambda f: F.interpolate(f, scale_factor=4, mode="bilinear", align_corners=False)  # noqa: E731
        up_nearest = lambda f: F.interpolate(f, scale_factor=4, mode="nearest")  # noqa: E731

        def s_input(flow):
            warped = resample(x2, flow)
            return torch.cat([x, warped, flow / self.div_flow, channelnorm(x1 - warped)], 1)

        flow_c = up_bilinear(self.flownetc(x) * self.div_flow)
        flow_cs = up_bilinear(self.flownets_1(s_input(flow_c)) * self.div_flow)
        flow_css = up_nearest(self.flownets_2(s_input(flow_cs)) * self.div_flow)
        flow_sd = up_nearest(self.flownets_d(x) / self.div_flow)
        fusion_in = torch.cat([x1, flow_sd, flow_css, channelnorm(flow_sd), channelnorm(flow_css),
                               channelnorm(x1 - resample(x2, flow_sd)), channelnorm(x1 - resample(x2, flow_css))], 1)
        return self.flownetfusion(fusion_in)


def flownet2_infer_512x384(dev, size=(384, 512)):
    torch.manual_seed(0)
    net = FlowNet2().to(dev).eval()
    img1 = torch.rand(1, 3, *size, device=dev) * 255
    img2 = torch.rand(1, 3, *size, device=dev) * 255

    def step():
        with torch.no_grad():
            return net(img1, img2)
    return step


MODELS = {
    "pix2pixhd1024_iter": pix2pixhd1024_iter,
    "pix2pixhd1024_iter_amp": lambda dev: pix2pixhd1024_iter(dev, amp=True),
    "biggan128_iter": biggan128_iter,
    "biggan128_iter_amp": lambda dev: biggan128_iter(dev, amp=True),
    "flownet2_infer_512x384": flownet2_infer_512x384,
}
