"""Model workloads for bench/pytorch_bench.py, in plain PyTorch (the configurations of the CPU
speed issue; ganlib's side is bench/workloads.hpp over the zoo). Written from the reference
systems' published architectures; shared by nothing else.

pix2pixhd_iter   one pix2pixHD training iteration: GlobalGenerator (ngf 32, 4 downsamplings,
                 9 residual blocks, instance norm without affine, 36 input channels, 128x256,
                 batch 1) and MultiscaleDiscriminator (3 scales, 3 layers, ndf 32, 39 channels,
                 intermediate features), LSGAN + feature matching (lambda 10), no VGG, Adam 2e-4
                 (0.5, 0.999): G forward, D on fake (detached) and real, G losses, G step, D step.
biggan32_iter    one BigGAN-32 iteration (G_ch = D_ch = 64, hierarchical z 128 in 4 chunks, shared
                 embedding 128, 10 classes, no attention, spectral norm with one power iteration
                 on G and D, hinge loss, batch 32, Adam 2e-4, betas (0, 0.999)): 2 D steps, 1 G step.
flownets_fwdbwd  FlowNetS (6 input channels, no batch norm, LeakyReLU 0.1, 4x4 transposed-conv
                 decoders), full width, 1x6x128x256, multiscale EPE, forward + backward.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import spectral_norm as SN


# ---- pix2pixHD ---------------------------------------------------------------------------------
def norm(c):
    return nn.InstanceNorm2d(c, affine=False)


class ResnetBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv_block = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3), norm(c), nn.ReLU(True),
                                        nn.ReflectionPad2d(1), nn.Conv2d(c, c, 3), norm(c))

    def forward(self, x):
        return x + self.conv_block(x)


def global_generator(input_nc=36, output_nc=3, ngf=32, n_down=4, n_blocks=9):
    m = [nn.ReflectionPad2d(3), nn.Conv2d(input_nc, ngf, 7), norm(ngf), nn.ReLU(True)]
    for i in range(n_down):
        c = ngf * 2 ** i
        m += [nn.Conv2d(c, 2 * c, 3, 2, 1), norm(2 * c), nn.ReLU(True)]
    m += [ResnetBlock(ngf * 2 ** n_down) for _ in range(n_blocks)]
    for i in range(n_down):
        c = ngf * 2 ** (n_down - i)
        m += [nn.ConvTranspose2d(c, c // 2, 3, 2, 1, output_padding=1), norm(c // 2), nn.ReLU(True)]
    m += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, output_nc, 7), nn.Tanh()]
    return nn.Sequential(*m)


class NLayerD(nn.Module):
    def __init__(self, input_nc=39, ndf=32, n_layers=3):
        super().__init__()
        seq = [[nn.Conv2d(input_nc, ndf, 4, 2, 2), nn.LeakyReLU(0.2, True)]]
        nf = ndf
        for _ in range(1, n_layers):
            prev, nf = nf, min(nf * 2, 512)
            seq += [[nn.Conv2d(prev, nf, 4, 2, 2), norm(nf), nn.LeakyReLU(0.2, True)]]
        prev, nf = nf, min(nf * 2, 512)
        seq += [[nn.Conv2d(prev, nf, 4, 1, 2), norm(nf), nn.LeakyReLU(0.2, True)]]
        seq += [[nn.Conv2d(nf, 1, 4, 1, 2)]]
        self.stages = nn.ModuleList(nn.Sequential(*s) for s in seq)

    def forward(self, x):
        feats = []
        for s in self.stages:
            x = s(x)
            feats.append(x)
        return feats


class MultiscaleD(nn.Module):
    def __init__(self, num_D=3, **kw):
        super().__init__()
        self.ds = nn.ModuleList(NLayerD(**kw) for _ in range(num_D))

    def forward(self, x):
        out = []
        for i, d in enumerate(self.ds):
            out.append(d(x))
            if i + 1 < len(self.ds):
                x = F.avg_pool2d(x, 3, 2, 1, count_include_pad=False)
        return out


def lsgan(preds, real):
    return sum(F.mse_loss(p[-1], torch.full_like(p[-1], 1.0 if real else 0.0)) for p in preds)


def pix2pixhd_step(G, D, label, real, num_D, n_layers, amp=False):
    """One pix2pixHD iteration (G step then D step) as a closure; shared with bench/gpu.
    amp (CUDA only): the forward under fp16 autocast, losses scaled by a GradScaler."""
    oG = torch.optim.Adam(G.parameters(), 2e-4, betas=(0.5, 0.999))
    oD = torch.optim.Adam(D.parameters(), 2e-4, betas=(0.5, 0.999))
    feat_w, d_w, lam = 4.0 / (n_layers + 1), 1.0 / num_D, 10.0
    scaler = torch.cuda.amp.GradScaler() if amp else None

    def losses():
        fake = G(label)
        loss_D_fake = lsgan(D(torch.cat([label, fake.detach()], 1)), False)
        pred_real = D(torch.cat([label, real], 1))
        loss_D_real = lsgan(pred_real, True)
        pred_fake = D(torch.cat([label, fake], 1))
        loss_G_GAN = lsgan(pred_fake, True)
        loss_G_feat = 0
        for i in range(num_D):
            for j in range(len(pred_fake[i]) - 1):
                loss_G_feat = loss_G_feat + d_w * feat_w * lam * F.l1_loss(pred_fake[i][j], pred_real[i][j].detach())
        return loss_G_GAN + loss_G_feat, 0.5 * (loss_D_fake + loss_D_real)

    def step():
        loss_G, loss_D = losses()
        oG.zero_grad()
        loss_G.backward()
        oG.step()
        oD.zero_grad()
        loss_D.backward()
        oD.step()

    def step_amp():
        with torch.autocast("cuda", dtype=torch.float16):
            loss_G, loss_D = losses()
        oG.zero_grad()
        scaler.scale(loss_G).backward()
        scaler.step(oG)
        oD.zero_grad()
        scaler.scale(loss_D).backward()
        scaler.step(oD)
        scaler.update()
    return step_amp if amp else step


def pix2pixhd_iter():
    torch.manual_seed(0)
    G, D = global_generator(), MultiscaleD()
    label = torch.randn(1, 36, 128, 256)
    real = torch.rand(1, 3, 128, 256) * 2 - 1
    return pix2pixhd_step(G, D, label, real, num_D=3, n_layers=3)


# ---- BigGAN-32 ---------------------------------------------------------------------------------
class CCBN(nn.Module):
    def __init__(self, c, in_dim):
        super().__init__()
        self.gain, self.bias = SN(nn.Linear(in_dim, c, bias=False)), SN(nn.Linear(in_dim, c, bias=False))

    def forward(self, x, y):
        out = F.batch_norm(x, None, None, training=True, eps=1e-5)
        return out * (1 + self.gain(y))[:, :, None, None] + self.bias(y)[:, :, None, None]


class GBlock(nn.Module):
    def __init__(self, cin, cout, in_dim):
        super().__init__()
        self.bn1, self.bn2 = CCBN(cin, in_dim), CCBN(cout, in_dim)
        self.conv1, self.conv2 = SN(nn.Conv2d(cin, cout, 3, 1, 1)), SN(nn.Conv2d(cout, cout, 3, 1, 1))
        self.conv_sc = SN(nn.Conv2d(cin, cout, 1))

    def forward(self, x, y):
        h = F.interpolate(F.relu(self.bn1(x, y)), scale_factor=2)
        h = self.conv2(F.relu(self.bn2(self.conv1(h), y)))
        return h + self.conv_sc(F.interpolate(x, scale_factor=2))


class BigGenerator(nn.Module):
    def __init__(self, ch=64, dim_z=128, shared_dim=128, n_classes=10):
        super().__init__()
        self.chunk = dim_z // 4
        self.shared = nn.Embedding(n_classes, shared_dim)
        self.linear = SN(nn.Linear(self.chunk, 4 * ch * 16))
        self.blocks = nn.ModuleList(GBlock(4 * ch, 4 * ch, shared_dim + self.chunk) for _ in range(3))
        self.out_bn = nn.BatchNorm2d(4 * ch)
        self.out_conv = SN(nn.Conv2d(4 * ch, 3, 3, 1, 1))
        self.ch = ch

    def forward(self, z, y):
        zs = torch.split(z, self.chunk, 1)
        emb = self.shared(y)
        h = self.linear(zs[0]).view(z.size(0), 4 * self.ch, 4, 4)
        for i, b in enumerate(self.blocks):
            h = b(h, torch.cat([emb, zs[i + 1]], 1))
        return torch.tanh(self.out_conv(F.relu(self.out_bn(h))))


class DBlock(nn.Module):
    def __init__(self, cin, cout, preact, down):
        super().__init__()
        self.preact, self.down = preact, down
        self.conv1, self.conv2 = SN(nn.Conv2d(cin, cout, 3, 1, 1)), SN(nn.Conv2d(cout, cout, 3, 1, 1))
        self.learn_sc = cin != cout or down
        if self.learn_sc:
            self.conv_sc = SN(nn.Conv2d(cin, cout, 1))

    def shortcut(self, x):
        if self.preact:
            if self.learn_sc:
                x = self.conv_sc(x)
            return F.avg_pool2d(x, 2) if self.down else x
        if self.down:
            x = F.avg_pool2d(x, 2)
        return self.conv_sc(x) if self.learn_sc else x

    def forward(self, x):
        h = F.relu(x) if self.preact else x
        h = self.conv2(F.relu(self.conv1(h)))
        if self.down:
            h = F.avg_pool2d(h, 2)
        return h + self.shortcut(x)


class BigDiscriminator(nn.Module):
    def __init__(self, ch=64, n_classes=10):
        super().__init__()
        ins, outs, downs = [3, 4 * ch, 4 * ch, 4 * ch], [4 * ch] * 4, [True, True, False, False]
        self.blocks = nn.ModuleList(DBlock(i, o, k > 0, d) for k, (i, o, d) in enumerate(zip(ins, outs, downs)))
        self.linear = SN(nn.Linear(4 * ch, 1))
        self.embed = SN(nn.Embedding(n_classes, 4 * ch))

    def forward(self, x, y):
        h = x
        for b in self.blocks:
            h = b(h)
        h = torch.sum(F.relu(h), [2, 3])
        return self.linear(h) + torch.sum(self.embed(y) * h, 1, keepdim=True)


def biggan32_iter():
    torch.manual_seed(0)
    G, D = BigGenerator(), BigDiscriminator()
    oG = torch.optim.Adam(G.parameters(), 2e-4, betas=(0.0, 0.999), eps=1e-8)
    oD = torch.optim.Adam(D.parameters(), 2e-4, betas=(0.0, 0.999), eps=1e-8)
    real = torch.rand(32, 3, 32, 32) * 2 - 1
    y_real = torch.randint(0, 10, (32,))

    def step():
        for _ in range(2):
            z, y = torch.randn(32, 128), torch.randint(0, 10, (32,))
            with torch.no_grad():
                fake = G(z, y)
            oD.zero_grad()
            loss = F.relu(1 - D(real, y_real)).mean() + F.relu(1 + D(fake, y)).mean()
            loss.backward()
            oD.step()
        z, y = torch.randn(32, 128), torch.randint(0, 10, (32,))
        oG.zero_grad()
        loss = -D(G(z, y), y).mean()
        loss.backward()
        oG.step()
    return step


# ---- FlowNetS ----------------------------------------------------------------------------------
def conv(cin, cout, k=3, s=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, (k - 1) // 2, bias=True), nn.LeakyReLU(0.1, True))


def deconv(cin, cout):
    return nn.Sequential(nn.ConvTranspose2d(cin, cout, 4, 2, 1, bias=True), nn.LeakyReLU(0.1, True))


class FlowNetS(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.conv2, self.conv3 = conv(6, 64, 7, 2), conv(64, 128, 5, 2), conv(128, 256, 5, 2)
        self.conv3_1, self.conv4, self.conv4_1 = conv(256, 256), conv(256, 512, s=2), conv(512, 512)
        self.conv5, self.conv5_1, self.conv6, self.conv6_1 = conv(512, 512, s=2), conv(512, 512), conv(512, 1024, s=2), conv(1024, 1024)
        self.deconv5, self.deconv4, self.deconv3, self.deconv2 = deconv(1024, 512), deconv(1026, 256), deconv(770, 128), deconv(386, 64)
        self.pf6, self.pf5, self.pf4, self.pf3, self.pf2 = [nn.Conv2d(c, 2, 3, 1, 1) for c in (1024, 1026, 770, 386, 194)]
        for i, m in enumerate([self.pf6, self.pf5, self.pf4, self.pf3, self.pf2]):
            self.add_module(f"predict_flow{6 - i}", m)
        self.up6, self.up5, self.up4, self.up3 = [nn.ConvTranspose2d(2, 2, 4, 2, 1, bias=False) for _ in range(4)]
        for i, m in enumerate([self.up6, self.up5, self.up4, self.up3]):
            self.add_module(f"upsampled_flow{6 - i}_to_{5 - i}", m)

    def forward(self, x):
        c2 = self.conv2(self.conv1(x))
        c3 = self.conv3_1(self.conv3(c2))
        c4 = self.conv4_1(self.conv4(c3))
        c5 = self.conv5_1(self.conv5(c4))
        c6 = self.conv6_1(self.conv6(c5))
        f6 = self.pf6(c6)
        cat5 = torch.cat([c5, self.deconv5(c6), self.up6(f6)], 1)
        f5 = self.pf5(cat5)
        cat4 = torch.cat([c4, self.deconv4(cat5), self.up5(f5)], 1)
        f4 = self.pf4(cat4)
        cat3 = torch.cat([c3, self.deconv3(cat4), self.up4(f4)], 1)
        f3 = self.pf3(cat3)
        cat2 = torch.cat([c2, self.deconv2(cat3), self.up3(f3)], 1)
        return [self.pf2(cat2), f3, f4, f5, f6]


def multiscale_epe(flows, target):
    target = 0.05 * target  # flownet2-pytorch's div_flow
    loss = 0
    for i, f in enumerate(flows):
        t = F.avg_pool2d(target, 4 * 2 ** i, 4 * 2 ** i)
        loss = loss + 0.32 / 2 ** i * torch.norm(t - f, p=2, dim=1).mean()
    return loss


def flownets_fwdbwd():
    torch.manual_seed(0)
    net = FlowNetS()
    x = torch.randn(1, 6, 128, 256)
    target = torch.randn(1, 2, 128, 256) * 5

    def step():
        net.zero_grad(set_to_none=True)
        multiscale_epe(net(x), target).backward()
    return step


WORKLOADS = {"pix2pixhd_iter": pix2pixhd_iter, "biggan32_iter": biggan32_iter, "flownets_fwdbwd": flownets_fwdbwd}
