#!/usr/bin/python3
"""PyTorch references for zoo/flownet2: FlowNetS and FlowNetC at reduced width, written here
from the facts in shared/specs/zoo.md section 4 (not from flownet2-pytorch's code), with
flownet2-pytorch's state_dict key names, plus full-width parameter counts.

Run with Debian's python3-torch:  /usr/bin/python3 tests/reference/make_flownet_refs.py
Writes tests/reference/data/flownet2/:
  flownets.safetensors, flownetc.safetensors — the weights under the reference's keys, the
      input ("input.x") and the five training-mode outputs ("output.flow2" … "output.flow6"),
      all float32 (outputs computed in float64 from the float32 weights and inputs);
      metadata: width, input_channels.
  param_counts.json — full-width parameter counts of FlowNetS (6 and 12 input channels),
      FlowNetC, FlowNetSD, FlowNetFusion and FlowNet2.
"""
import json
import math
import pathlib
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = pathlib.Path(__file__).resolve().parent / "data" / "flownet2"


def W(c, mult):  # the C++ Width: round half away from zero, at least 1
    return max(1, int(math.floor(c * mult + 0.5)))


def conv(i, o, k=3, s=1):
    return nn.Sequential(nn.Conv2d(i, o, k, s, (k - 1) // 2, bias=True), nn.LeakyReLU(0.1))


def i_conv(i, o, k=3, s=1):
    return nn.Sequential(nn.Conv2d(i, o, k, s, (k - 1) // 2, bias=True))


def predict_flow(i):
    return nn.Conv2d(i, 2, 3, 1, 1, bias=True)


def deconv(i, o):
    return nn.Sequential(nn.ConvTranspose2d(i, o, 4, 2, 1, bias=True), nn.LeakyReLU(0.1))


def add_decoder(m, w, c6, c5, c4, c3, c2, up_bias):
    d5, d4, d3, d2 = W(512, w), W(256, w), W(128, w), W(64, w)
    i5, i4, i3, i2 = c5 + d5 + 2, c4 + d4 + 2, c3 + d3 + 2, c2 + d2 + 2
    m.deconv5, m.deconv4, m.deconv3, m.deconv2 = deconv(c6, d5), deconv(i5, d4), deconv(i4, d3), deconv(i3, d2)
    m.predict_flow6, m.predict_flow5 = predict_flow(c6), predict_flow(i5)
    m.predict_flow4, m.predict_flow3, m.predict_flow2 = predict_flow(i4), predict_flow(i3), predict_flow(i2)
    for name in ["upsampled_flow6_to_5", "upsampled_flow5_to_4", "upsampled_flow4_to_3", "upsampled_flow3_to_2"]:
        setattr(m, name, nn.ConvTranspose2d(2, 2, 4, 2, 1, bias=up_bias))


def run_decoder(m, c6, c5, c4, c3, c2):
    f6 = m.predict_flow6(c6)
    x5 = torch.cat([c5, m.deconv5(c6), m.upsampled_flow6_to_5(f6)], 1)
    f5 = m.predict_flow5(x5)
    x4 = torch.cat([c4, m.deconv4(x5), m.upsampled_flow5_to_4(f5)], 1)
    f4 = m.predict_flow4(x4)
    x3 = torch.cat([c3, m.deconv3(x4), m.upsampled_flow4_to_3(f4)], 1)
    f3 = m.predict_flow3(x3)
    x2 = torch.cat([c2, m.deconv2(x3), m.upsampled_flow3_to_2(f3)], 1)
    return m.predict_flow2(x2), f3, f4, f5, f6


class FlowNetS(nn.Module):
    def __init__(self, cin=12, w=1.0):
        super().__init__()
        self.conv1 = conv(cin, W(64, w), 7, 2)
        self.conv2 = conv(W(64, w), W(128, w), 5, 2)
        self.conv3 = conv(W(128, w), W(256, w), 5, 2)
        self.conv3_1 = conv(W(256, w), W(256, w))
        self.conv4 = conv(W(256, w), W(512, w), 3, 2)
        self.conv4_1 = conv(W(512, w), W(512, w))
        self.conv5 = conv(W(512, w), W(512, w), 3, 2)
        self.conv5_1 = conv(W(512, w), W(512, w))
        self.conv6 = conv(W(512, w), W(1024, w), 3, 2)
        self.conv6_1 = conv(W(1024, w), W(1024, w))
        add_decoder(self, w, W(1024, w), W(512, w), W(512, w), W(256, w), W(128, w), False)

    def forward(self, x):
        c2 = self.conv2(self.conv1(x))
        c3 = self.conv3_1(self.conv3(c2))
        c4 = self.conv4_1(self.conv4(c3))
        c5 = self.conv5_1(self.conv5(c4))
        c6 = self.conv6_1(self.conv6(c5))
        return run_decoder(self, c6, c5, c4, c3, c2)


def correlation(f1, f2, pad=20, max_disp=20, stride2=2):
    """kernel 1, stride1 1: out[(dy+r)(2r+1)+(dx+r)] = mean_c f1(p) f2(p + 2 (dy, dx)), zero outside."""
    N, C, H, Wd = f1.shape
    r = max_disp // stride2
    f2p = F.pad(f2, (pad, pad, pad, pad))
    outs = []
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            y0, x0 = pad + dy * stride2, pad + dx * stride2
            outs.append((f1 * f2p[:, :, y0:y0 + H, x0:x0 + Wd]).sum(1) / C)
    return torch.stack(outs, 1)


class FlowNetC(nn.Module):
    def __init__(self, w=1.0):
        super().__init__()
        self.conv1 = conv(3, W(64, w), 7, 2)
        self.conv2 = conv(W(64, w), W(128, w), 5, 2)
        self.conv3 = conv(W(128, w), W(256, w), 5, 2)
        self.conv_redir = conv(W(256, w), W(32, w), 1, 1)
        self.conv3_1 = conv(W(32, w) + 441, W(256, w))
        self.conv4 = conv(W(256, w), W(512, w), 3, 2)
        self.conv4_1 = conv(W(512, w), W(512, w))
        self.conv5 = conv(W(512, w), W(512, w), 3, 2)
        self.conv5_1 = conv(W(512, w), W(512, w))
        self.conv6 = conv(W(512, w), W(1024, w), 3, 2)
        self.conv6_1 = conv(W(1024, w), W(1024, w))
        add_decoder(self, w, W(1024, w), W(512, w), W(512, w), W(256, w), W(128, w), True)

    def forward(self, x):
        x1, x2 = x[:, :3], x[:, 3:]
        c2a = self.conv2(self.conv1(x1))
        c3a = self.conv3(c2a)
        c3b = self.conv3(self.conv2(self.conv1(x2)))
        corr = F.leaky_relu(correlation(c3a, c3b), 0.1)
        c3 = self.conv3_1(torch.cat([self.conv_redir(c3a), corr], 1))
        c4 = self.conv4_1(self.conv4(c3))
        c5 = self.conv5_1(self.conv5(c4))
        c6 = self.conv6_1(self.conv6(c5))
        return run_decoder(self, c6, c5, c4, c3, c2a)


class FlowNetSD(nn.Module):
    def __init__(self, w=1.0):
        super().__init__()
        ch = [(6, 64, 1), (64, 64, 2), (64, 128, 1), (128, 128, 2), (128, 128, 1), (128, 256, 2), (256, 256, 1),
              (256, 512, 2), (512, 512, 1), (512, 512, 2), (512, 512, 1), (512, 1024, 2), (1024, 1024, 1)]
        names = ["conv0", "conv1", "conv1_1", "conv2", "conv2_1", "conv3", "conv3_1", "conv4", "conv4_1", "conv5",
                 "conv5_1", "conv6", "conv6_1"]
        for n, (i, o, s) in zip(names, ch):
            setattr(self, n, conv(i if n == "conv0" else W(i, w), W(o, w), 3, s))
        i5, i4, i3, i2 = 2 * W(512, w) + 2, W(512, w) + W(256, w) + 2, W(256, w) + W(128, w) + 2, W(128, w) + W(64, w) + 2
        self.deconv5, self.deconv4 = deconv(W(1024, w), W(512, w)), deconv(i5, W(256, w))
        self.deconv3, self.deconv2 = deconv(i4, W(128, w)), deconv(i3, W(64, w))
        self.inter_conv5, self.inter_conv4 = i_conv(i5, W(512, w)), i_conv(i4, W(256, w))
        self.inter_conv3, self.inter_conv2 = i_conv(i3, W(128, w)), i_conv(i2, W(64, w))
        for n, c in [("6", 1024), ("5", 512), ("4", 256), ("3", 128), ("2", 64)]:
            setattr(self, "predict_flow" + n, predict_flow(W(c, w)))
        for n in ["6_to_5", "5_to_4", "4_to_3", "3_to_2"]:
            setattr(self, "upsampled_flow" + n, nn.ConvTranspose2d(2, 2, 4, 2, 1, bias=True))


class FlowNetFusion(nn.Module):
    def __init__(self, w=1.0):
        super().__init__()
        self.conv0 = conv(11, W(64, w))
        self.conv1 = conv(W(64, w), W(64, w), 3, 2)
        self.conv1_1 = conv(W(64, w), W(128, w))
        self.conv2 = conv(W(128, w), W(128, w), 3, 2)
        self.conv2_1 = conv(W(128, w), W(128, w))
        i1, i0 = W(128, w) + W(32, w) + 2, W(64, w) + W(16, w) + 2
        self.deconv1, self.deconv0 = deconv(W(128, w), W(32, w)), deconv(i1, W(16, w))
        self.inter_conv1, self.inter_conv0 = i_conv(i1, W(32, w)), i_conv(i0, W(16, w))
        self.predict_flow2, self.predict_flow1 = predict_flow(W(128, w)), predict_flow(W(32, w))
        self.predict_flow0 = predict_flow(W(16, w))
        self.upsampled_flow2_to_1 = nn.ConvTranspose2d(2, 2, 4, 2, 1, bias=True)
        self.upsampled_flow1_to_0 = nn.ConvTranspose2d(2, 2, 4, 2, 1, bias=True)


def init_reference(m, gen):
    for name, p in m.named_parameters():
        with torch.no_grad():
            if name.endswith("bias"):
                p.copy_(torch.rand(p.shape, generator=gen))
            else:
                fan_out, fan_in = p.shape[0] * p[0, 0].numel(), p.shape[1] * p[0, 0].numel()
                a = math.sqrt(6.0 / (fan_in + fan_out))
                p.copy_((torch.rand(p.shape, generator=gen) * 2 - 1) * a)


def save_safetensors(path, tensors, metadata):
    header, blobs, off = {"__metadata__": metadata}, [], 0
    for k in sorted(tensors):
        b = tensors[k].detach().to(torch.float32).contiguous().numpy().tobytes()
        header[k] = {"dtype": "F32", "shape": list(tensors[k].shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def make_case(name, net, x, meta, gen):
    init_reference(net, gen)
    sd = {k: v.float() for k, v in net.state_dict().items()}
    net64 = net.double()
    with torch.no_grad():
        outs = net64(x.double())
    t = dict(sd)
    t["input.x"] = x
    for i, o in enumerate(outs):
        t[f"output.flow{i + 2}"] = o
    save_safetensors(OUT / f"{name}.safetensors", t, meta)
    print(name, {k: tuple(v.shape) for k, v in t.items() if not k.startswith(("conv", "deconv", "predict", "up"))})


def count(m):
    return sum(p.numel() for p in m.parameters())


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    gen = torch.Generator().manual_seed(7)
    w = 0.0625
    x = (torch.rand(2, 12, 64, 64, generator=gen) * 2 - 1).float()
    make_case("flownets", FlowNetS(12, w), x, {"width": str(w), "input_channels": "12"}, gen)
    x = (torch.rand(2, 6, 64, 64, generator=gen) * 2 - 1).float()
    make_case("flownetc", FlowNetC(w), x, {"width": str(w), "input_channels": "6"}, gen)
    counts = {
        "FlowNetS_6": count(FlowNetS(6)), "FlowNetS_12": count(FlowNetS(12)), "FlowNetC": count(FlowNetC()),
        "FlowNetSD": count(FlowNetSD()), "FlowNetFusion": count(FlowNetFusion()),
    }
    counts["FlowNet2"] = counts["FlowNetC"] + 2 * counts["FlowNetS_12"] + counts["FlowNetSD"] + counts["FlowNetFusion"]
    (OUT / "param_counts.json").write_text(json.dumps(counts, indent=1) + "\n")
    print(counts)


if __name__ == "__main__":
    main()
