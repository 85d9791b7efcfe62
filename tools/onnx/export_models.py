#!/usr/bin/python3
"""Exports the ONNX test models for shufflec's ONNX frontend (tests/onnx, docs/onnx.md).

    export_models.py OUT_DIR [NAME ...]     export the named models (default: all) into OUT_DIR
    export_models.py --list                  print the model names, one a line

For each model NAME it writes OUT_DIR/NAME.onnx and OUT_DIR/NAME.input.bin (the test input: seeded uniform
[-1, 1) float32, little-endian, the model's input shape). A model whose two files already exist is skipped, so
OUT_DIR works as a cache; the files are written under temporary names and renamed, so an interrupted run leaves no
half-written model behind.

The models, each exported with torch.onnx.export (eval mode, constant folding on) at opsets 11, 13 and 17:
  shufflenet_v1_g{1,2,3,4,8}_{0.5,1.0}x   ShuffleNet v1 from tools/golden/reference.py (the paper's network), 64x64
  mobilenet_v2, shufflenet_v2_x1_0,      torchvision's architectures, written out below (Debian's torchvision
  resnet18 (64x64), alexnet (224x224)    pulls in ffmpeg; these follow torchvision 0.14's definitions exactly)
  mobilenet_v3_small (opsets 13, 17),    torchvision's squeeze-excitation networks (hard-swish, hard-sigmoid, SiLU,
  efficientnet_b0 (opset 13), 96x96      the broadcast Mul), also written out below
plus two variants: shufflenet_v1_g3_0.5x_op13_dynbatch (a dynamic batch dimension: Shape/Gather/Unsqueeze/Concat
chains feed the Reshapes; compiled with --input-shape) and resnet18_op13_external (every weight in an external data
file). Weights are PyTorch's default initialisation from a fixed seed, with the BatchNorm statistics and affine
parameters randomised too (so folding them is not the identity).

Needs python3-torch and python3-onnx (Debian): run with /usr/bin/python3.
"""

import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
from reference import ShuffleNetV1  # noqa: E402  (the paper's ShuffleNet v1, shared with the zoo goldens)

OPSETS = (11, 13, 17)


# ----------------------------------------------------------------------------------------------------------------
# torchvision 0.14 architectures (torchvision/models/{mobilenetv2,alexnet,shufflenetv2,resnet}.py), random weights.

def _make_divisible(v, divisor, min_value=None):
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v


class ConvBNReLU6(nn.Sequential):  # torchvision's Conv2dNormActivation(..., activation_layer=nn.ReLU6)
    def __init__(self, cin, cout, k=3, stride=1, groups=1):
        super().__init__(nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU6(inplace=True))


class InvertedResidualV2(nn.Module):
    def __init__(self, inp, oup, stride, expand_ratio):
        super().__init__()
        hidden = int(round(inp * expand_ratio))
        self.use_res_connect = stride == 1 and inp == oup
        layers = []
        if expand_ratio != 1:
            layers.append(ConvBNReLU6(inp, hidden, k=1))
        layers += [ConvBNReLU6(hidden, hidden, stride=stride, groups=hidden),
                   nn.Conv2d(hidden, oup, 1, 1, 0, bias=False), nn.BatchNorm2d(oup)]
        self.conv = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.conv(x) if self.use_res_connect else self.conv(x)


class MobileNetV2(nn.Module):
    def __init__(self, num_classes=1000, width_mult=1.0, round_nearest=8, dropout=0.2):
        super().__init__()
        input_channel, last_channel = 32, 1280
        setting = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2],
                   [6, 320, 1, 1]]
        input_channel = _make_divisible(input_channel * width_mult, round_nearest)
        self.last_channel = _make_divisible(last_channel * max(1.0, width_mult), round_nearest)
        features = [ConvBNReLU6(3, input_channel, stride=2)]
        for t, c, n, s in setting:
            output_channel = _make_divisible(c * width_mult, round_nearest)
            for i in range(n):
                features.append(InvertedResidualV2(input_channel, output_channel, s if i == 0 else 1, t))
                input_channel = output_channel
        features.append(ConvBNReLU6(input_channel, self.last_channel, k=1))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout), nn.Linear(self.last_channel, num_classes))

    def forward(self, x):
        x = self.features(x)
        x = F.adaptive_avg_pool2d(x, (1, 1))
        x = torch.flatten(x, 1)
        return self.classifier(x)


class AlexNet(nn.Module):
    def __init__(self, num_classes=1000, dropout=0.5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.MaxPool2d(kernel_size=3, stride=2))
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(
            nn.Dropout(p=dropout), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
            nn.Dropout(p=dropout), nn.Linear(4096, 4096), nn.ReLU(inplace=True),
            nn.Linear(4096, num_classes))

    def forward(self, x):
        x = self.features(x)
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.classifier(x)


def channel_shuffle_v2(x, groups):  # torchvision's shufflenetv2.channel_shuffle
    batchsize, num_channels, height, width = x.size()
    channels_per_group = num_channels // groups
    x = x.view(batchsize, groups, channels_per_group, height, width)
    x = torch.transpose(x, 1, 2).contiguous()
    return x.view(batchsize, -1, height, width)


class InvertedResidualSV2(nn.Module):
    def __init__(self, inp, oup, stride):
        super().__init__()
        self.stride = stride
        branch_features = oup // 2
        if self.stride > 1:
            self.branch1 = nn.Sequential(
                nn.Conv2d(inp, inp, 3, stride, 1, bias=False, groups=inp), nn.BatchNorm2d(inp),
                nn.Conv2d(inp, branch_features, 1, 1, 0, bias=False), nn.BatchNorm2d(branch_features),
                nn.ReLU(inplace=True))
        else:
            self.branch1 = nn.Sequential()
        self.branch2 = nn.Sequential(
            nn.Conv2d(inp if self.stride > 1 else branch_features, branch_features, 1, 1, 0, bias=False),
            nn.BatchNorm2d(branch_features), nn.ReLU(inplace=True),
            nn.Conv2d(branch_features, branch_features, 3, stride, 1, bias=False, groups=branch_features),
            nn.BatchNorm2d(branch_features),
            nn.Conv2d(branch_features, branch_features, 1, 1, 0, bias=False), nn.BatchNorm2d(branch_features),
            nn.ReLU(inplace=True))

    def forward(self, x):
        if self.stride == 1:
            x1, x2 = x.chunk(2, dim=1)
            out = torch.cat((x1, self.branch2(x2)), dim=1)
        else:
            out = torch.cat((self.branch1(x), self.branch2(x)), dim=1)
        return channel_shuffle_v2(out, 2)


class ShuffleNetV2(nn.Module):
    def __init__(self, stages_repeats=(4, 8, 4), stages_out_channels=(24, 116, 232, 464, 1024), num_classes=1000):
        super().__init__()
        input_channels = 3
        output_channels = stages_out_channels[0]
        self.conv1 = nn.Sequential(nn.Conv2d(input_channels, output_channels, 3, 2, 1, bias=False),
                                   nn.BatchNorm2d(output_channels), nn.ReLU(inplace=True))
        input_channels = output_channels
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        for name, repeats, output_channels in zip(["stage2", "stage3", "stage4"], stages_repeats,
                                                  stages_out_channels[1:]):
            seq = [InvertedResidualSV2(input_channels, output_channels, 2)]
            for _ in range(repeats - 1):
                seq.append(InvertedResidualSV2(output_channels, output_channels, 1))
            setattr(self, name, nn.Sequential(*seq))
            input_channels = output_channels
        output_channels = stages_out_channels[-1]
        self.conv5 = nn.Sequential(nn.Conv2d(input_channels, output_channels, 1, 1, 0, bias=False),
                                   nn.BatchNorm2d(output_channels), nn.ReLU(inplace=True))
        self.fc = nn.Linear(output_channels, num_classes)

    def forward(self, x):
        x = self.conv1(x)
        x = self.maxpool(x)
        x = self.stage2(x)
        x = self.stage3(x)
        x = self.stage4(x)
        x = self.conv5(x)
        x = x.mean([2, 3])  # globalpool
        return self.fc(x)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        identity = x
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.downsample is not None:
            identity = self.downsample(x)
        return self.relu(out + identity)


class ResNet18(nn.Module):
    def __init__(self, layers=(2, 2, 2, 2), num_classes=1000):
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, self.inplanes, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(self.inplanes)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(64, layers[0])
        self.layer2 = self._make_layer(128, layers[1], stride=2)
        self.layer3 = self._make_layer(256, layers[2], stride=2)
        self.layer4 = self._make_layer(512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512, num_classes)

    def _make_layer(self, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes:
            downsample = nn.Sequential(nn.Conv2d(self.inplanes, planes, 1, stride, bias=False),
                                       nn.BatchNorm2d(planes))
        layers = [BasicBlock(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes
        for _ in range(1, blocks):
            layers.append(BasicBlock(self.inplanes, planes))
        return nn.Sequential(*layers)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = self.avgpool(x)
        x = torch.flatten(x, 1)
        return self.fc(x)


# torchvision 0.14's MobileNetV3-small and EfficientNet-B0 (torchvision/models/{mobilenetv3,efficientnet}.py,
# torchvision/ops/misc.py): squeeze-excitation blocks, hard-swish, hard-sigmoid and SiLU.

class ConvNormAct(nn.Sequential):  # torchvision's Conv2dNormActivation (no bias: a norm layer follows)
    def __init__(self, cin, cout, k, stride=1, groups=1, act=None, eps=1e-5, momentum=0.1):
        layers = [nn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False),
                  nn.BatchNorm2d(cout, eps=eps, momentum=momentum)]
        if act is not None:
            layers.append(act())
        super().__init__(*layers)


class SqueezeExcitation(nn.Module):  # torchvision.ops.misc.SqueezeExcitation
    def __init__(self, channels, squeeze, activation=nn.ReLU, scale_activation=nn.Sigmoid):
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeeze, 1)
        self.fc2 = nn.Conv2d(squeeze, channels, 1)
        self.activation = activation()
        self.scale_activation = scale_activation()

    def forward(self, x):
        scale = self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x)))))
        return scale * x


class InvertedResidualV3(nn.Module):
    def __init__(self, cin, k, expanded, cout, use_se, use_hs, stride):
        super().__init__()
        self.use_res_connect = stride == 1 and cin == cout
        act = nn.Hardswish if use_hs else nn.ReLU
        bn = {"eps": 0.001, "momentum": 0.01}
        layers = []
        if expanded != cin:
            layers.append(ConvNormAct(cin, expanded, 1, act=act, **bn))
        layers.append(ConvNormAct(expanded, expanded, k, stride, groups=expanded, act=act, **bn))
        if use_se:
            layers.append(SqueezeExcitation(expanded, _make_divisible(expanded // 4, 8),
                                            scale_activation=nn.Hardsigmoid))
        layers.append(ConvNormAct(expanded, cout, 1, **bn))
        self.block = nn.Sequential(*layers)

    def forward(self, x):
        y = self.block(x)
        return y + x if self.use_res_connect else y


class MobileNetV3Small(nn.Module):
    SETTING = [  # input, kernel, expanded, output, SE, hard-swish, stride
        (16, 3, 16, 16, True, False, 2), (16, 3, 72, 24, False, False, 2), (24, 3, 88, 24, False, False, 1),
        (24, 5, 96, 40, True, True, 2), (40, 5, 240, 40, True, True, 1), (40, 5, 240, 40, True, True, 1),
        (40, 5, 120, 48, True, True, 1), (48, 5, 144, 48, True, True, 1), (48, 5, 288, 96, True, True, 2),
        (96, 5, 576, 96, True, True, 1), (96, 5, 576, 96, True, True, 1)]

    def __init__(self, num_classes=1000, last_channel=1024, dropout=0.2):
        super().__init__()
        bn = {"eps": 0.001, "momentum": 0.01}
        layers = [ConvNormAct(3, 16, 3, 2, act=nn.Hardswish, **bn)]
        layers += [InvertedResidualV3(*c) for c in self.SETTING]
        layers.append(ConvNormAct(96, 576, 1, act=nn.Hardswish, **bn))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Linear(576, last_channel), nn.Hardswish(inplace=True),
                                        nn.Dropout(p=dropout, inplace=True), nn.Linear(last_channel, num_classes))

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


class MBConv(nn.Module):  # EfficientNet's block (stochastic depth is the identity in eval mode)
    def __init__(self, expand_ratio, k, stride, cin, cout):
        super().__init__()
        self.use_res_connect = stride == 1 and cin == cout
        expanded = _make_divisible(cin * expand_ratio, 8)
        layers = []
        if expanded != cin:
            layers.append(ConvNormAct(cin, expanded, 1, act=nn.SiLU))
        layers.append(ConvNormAct(expanded, expanded, k, stride, groups=expanded, act=nn.SiLU))
        layers.append(SqueezeExcitation(expanded, max(1, cin // 4), activation=nn.SiLU))
        layers.append(ConvNormAct(expanded, cout, 1))
        self.block = nn.Sequential(*layers)

    def forward(self, x):
        y = self.block(x)
        return y + x if self.use_res_connect else y


class EfficientNetB0(nn.Module):
    SETTING = [(1, 3, 1, 32, 16, 1), (6, 3, 2, 16, 24, 2), (6, 5, 2, 24, 40, 2), (6, 3, 2, 40, 80, 3),
               (6, 5, 1, 80, 112, 3), (6, 5, 2, 112, 192, 4), (6, 3, 1, 192, 320, 1)]

    def __init__(self, num_classes=1000, dropout=0.2):
        super().__init__()
        layers = [ConvNormAct(3, 32, 3, 2, act=nn.SiLU)]
        for expand, k, stride, cin, cout, n in self.SETTING:
            layers.append(nn.Sequential(*[MBConv(expand, k, stride if i == 0 else 1, cin if i == 0 else cout, cout)
                                          for i in range(n)]))
        layers.append(ConvNormAct(320, 1280, 1, act=nn.SiLU))
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Dropout(p=dropout, inplace=True), nn.Linear(1280, num_classes))

    def forward(self, x):
        x = self.avgpool(self.features(x))
        return self.classifier(torch.flatten(x, 1))


# ----------------------------------------------------------------------------------------------------------------

def randomise_batchnorm(model, gen):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            with torch.no_grad():
                m.weight.copy_(torch.rand(c, generator=gen) * 0.5 + 0.75)
                m.bias.copy_(torch.rand(c, generator=gen) * 0.2 - 0.1)
                m.running_mean.copy_(torch.rand(c, generator=gen) * 0.2 - 0.1)
                m.running_var.copy_(torch.rand(c, generator=gen) * 0.5 + 0.75)


def catalogue():
    """name -> (builder, input size, opset, options)."""
    models = {}
    for op in OPSETS:
        for g in (1, 2, 3, 4, 8):
            for s in (0.5, 1.0):
                models[f"shufflenet_v1_g{g}_{s}x_op{op}"] = (lambda g=g, s=s: ShuffleNetV1(g, s), 64, op, {})
        models[f"mobilenet_v2_op{op}"] = (MobileNetV2, 64, op, {})
        models[f"shufflenet_v2_x1_0_op{op}"] = (ShuffleNetV2, 64, op, {})
        models[f"resnet18_op{op}"] = (ResNet18, 64, op, {})
        models[f"alexnet_op{op}"] = (AlexNet, 224, op, {})
    # Opset 13 writes hard-swish as x * HardSigmoid(x) and SiLU as x * Sigmoid(x); opset 17 has HardSwish.
    for op in (13, 17):
        models[f"mobilenet_v3_small_op{op}"] = (MobileNetV3Small, 96, op, {})
    models["efficientnet_b0_op13"] = (EfficientNetB0, 96, 13, {})
    models["shufflenet_v1_g3_0.5x_op13_dynbatch"] = (lambda: ShuffleNetV1(3, 0.5), 64, 13, {"dynamic_batch": True})
    models["resnet18_op13_external"] = (ResNet18, 64, 13, {"external": True})
    return models


def seed_of(name):
    return sum((i + 1) * ord(c) for i, c in enumerate(name)) % (2 ** 31)


def export(name, spec, out_dir):
    import onnx
    builder, size, opset, opts = spec
    onnx_path = os.path.join(out_dir, name + ".onnx")
    input_path = os.path.join(out_dir, name + ".input.bin")
    if os.path.exists(onnx_path) and os.path.exists(input_path):
        return False
    seed = seed_of(name)
    torch.manual_seed(seed)
    model = builder()
    randomise_batchnorm(model, torch.Generator().manual_seed(seed + 1))
    model.eval()
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, size=(1, 3, size, size)).astype("<f4")
    tmp = onnx_path + ".tmp"
    kwargs = {}
    if opts.get("dynamic_batch"):
        kwargs["dynamic_axes"] = {"input": {0: "batch"}, "output": {0: "batch"}}
    with torch.no_grad():
        torch.onnx.export(model, torch.from_numpy(x), tmp, opset_version=opset, input_names=["input"],
                          output_names=["output"], do_constant_folding=True, **kwargs)
    if opts.get("external"):
        m = onnx.load(tmp)
        data_name = name + ".data"
        onnx.save_model(m, tmp, save_as_external_data=True, all_tensors_to_one_file=True, location=data_name,
                        size_threshold=0)
    with open(input_path + ".tmp", "wb") as f:
        f.write(x.tobytes())
    os.replace(input_path + ".tmp", input_path)
    os.replace(tmp, onnx_path)
    return True


def main(argv):
    models = catalogue()
    if len(argv) == 2 and argv[1] == "--list":
        print("\n".join(models))
        return 0
    if len(argv) < 2 or argv[1].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    out_dir = argv[1]
    names = argv[2:] or list(models)
    unknown = [n for n in names if n not in models]
    if unknown:
        print(f"export_models.py: error: unknown model(s) {', '.join(unknown)} (see --list)", file=sys.stderr)
        return 1
    os.makedirs(out_dir, exist_ok=True)
    torch.set_num_threads(1)
    for n in names:
        if export(n, models[n], out_dir):
            print(f"exported {n}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
