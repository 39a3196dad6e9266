"""Grad-CAM: stages found for every architecture family, no side effects on the model, and the peak on the evidence."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw
from torch import nn

from core.errors import InputError
from core.explain.gradcam import grad_cam
from core.explain.stages import conv_stages, resolve_stage, short_name
from core.models.registry import build_model
from core.models.zero_shot import ImageNetCatDog

EXPECTED = {
    "lenet": ["conv1", "conv2"],
    "plain18": ["conv1", "layer1", "layer2", "layer3", "layer4"],
    "resnet18": ["conv1", "layer1", "layer2", "layer3", "layer4"],
    "efficientnet_lite0": ["conv_stem", *(f"blocks.{i}" for i in range(7)), "conv_head"],
}


@pytest.mark.parametrize("arch", list(EXPECTED))
def test_registry_architectures_have_stages_and_maps(arch):
    torch.manual_seed(0)
    model = build_model(arch).eval()
    assert conv_stages(model, 32) == EXPECTED[arch]
    x = torch.randn(2, 3, 32, 32)
    for stage in (None, EXPECTED[arch][0]):
        r = grad_cam(model, x, stage)
        assert r.maps.shape == (2, 2, 32, 32) and r.probs.shape == (2, 2)
        assert np.isfinite(r.maps).all() and r.maps.min() >= 0 and r.maps.max() <= 1 + 1e-6
    assert r.stage == EXPECTED[arch][0]


def test_models_added_later_are_found_generically():
    """A VGG-like stack with in-place ReLUs, GoogLeNet (aux heads idle in eval) and the ImageNet wrapper."""
    from torchvision.models import googlenet

    vgg = nn.Sequential(nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(2),
                                      nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(inplace=True),
                                      nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(inplace=True)),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 2)).eval()
    assert conv_stages(vgg, 32) == ["0.0", "0.3", "0.5"]
    assert np.isfinite(grad_cam(vgg, torch.randn(1, 3, 32, 32)).maps).all()
    g = googlenet(weights=None, aux_logits=True, init_weights=False, num_classes=2).eval()
    stages = conv_stages(g, 64)
    assert stages[-1] == "inception5b" and not any(s.startswith("aux") for s in stages)
    wrapped = ImageNetCatDog(build_model("resnet18", 1000)).eval()
    last = resolve_stage(wrapped, None, 64)
    assert last == "imagenet.layer4" and short_name(last, wrapped) == "layer4"
    assert resolve_stage(wrapped, "layer2", 64) == "imagenet.layer2"
    with pytest.raises(InputError, match="layer1, layer2"):
        resolve_stage(wrapped, "layer9", 64)


def test_grad_cam_leaves_the_model_as_it_was():
    torch.manual_seed(0)
    model = build_model("resnet18").eval()
    x = torch.randn(1, 3, 32, 32)
    with torch.inference_mode():
        before = model(x)
    with torch.inference_mode():  # called from inside prediction code, it still gets its gradients
        grad_cam(model, x, "layer3")
    assert all(p.grad is None for p in model.parameters())
    assert all(not m._forward_hooks for m in model.modules())
    with torch.inference_mode():
        assert torch.equal(model(x), before)


def _shapes(n: int, seed: int, size: int = 40):
    """Red disc (class 0) or blue square (class 1) at a random, known place on noise."""
    rng = np.random.default_rng(seed)
    xs, ys, boxes = [], [], []
    for i in range(n):
        im = Image.fromarray(rng.integers(60, 200, (size, size, 3), dtype=np.uint8))
        r = int(rng.integers(5, 8))
        cx, cy = (int(v) for v in rng.integers(r + 1, size - r - 1, 2))
        box = (cx - r, cy - r, cx + r, cy + r)
        draw = ImageDraw.Draw(im)
        draw.ellipse(box, fill=(230, 30, 30)) if i % 2 == 0 else draw.rectangle(box, fill=(30, 30, 230))
        xs.append(np.asarray(im))
        ys.append(i % 2)
        boxes.append(box)
    x = torch.from_numpy(np.stack(xs)).permute(0, 3, 1, 2).float() / 255
    return (x - 0.5) / 0.25, torch.tensor(ys), boxes


def test_heat_map_peak_falls_on_the_shape_that_decides_the_class():
    torch.manual_seed(0)
    model = build_model("lenet")
    x, y, _ = _shapes(96, seed=0)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    g = torch.Generator().manual_seed(0)
    for _ in range(20):
        i = torch.randint(0, len(x), (16,), generator=g)
        loss = nn.functional.cross_entropy(model(x[i]), y[i])
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    xt, yt, boxes = _shapes(16, seed=1)
    r = grad_cam(model, xt)
    assert (r.probs.argmax(1) == yt.numpy()).mean() >= 0.9
    hits = 0
    for j, (x0, y0, x1, y1) in enumerate(boxes):
        cam = r.maps[j, yt[j]]
        py, px = np.unravel_index(cam.argmax(), cam.shape)
        hits += x0 - 2 <= px <= x1 + 2 and y0 - 2 <= py <= y1 + 2
    assert hits >= 14, f"peak on the shape in only {hits} of 16 photos"


def test_bf16_forward_gives_the_same_maps():
    torch.manual_seed(0)
    model = build_model("resnet18").eval()
    x = torch.randn(2, 3, 64, 64)
    a, b = grad_cam(model, x, "layer3"), grad_cam(model, x, "layer3", precision="bf16")
    for k in range(2):
        assert np.corrcoef(a.maps[k, 0].ravel(), b.maps[k, 0].ravel())[0, 1] > 0.9
    assert np.abs(a.probs - b.probs).max() < 0.05
