"""The course notes' other networks: GoogLeNet, the Advanced CNN note's small nets, d2l's ResNet-18, VGG-16.

Shapes and counts are checked on the meta device (no memory, no arithmetic), so even VGG-16
at 224 px costs nothing; the small nets also run a real step at 64 px.
"""

from __future__ import annotations

import pytest
import torch
import torchvision
from torch import nn

from core.models.catalog import arch_info
from core.models.heads import get_head, head_name, replace_head, without_head
from core.models.meta import on_meta
from core.models.registry import ARCHS, build_model

NEW = ["inception_mini", "residual_mini", "d2l_resnet18", "googlenet", "vgg16", "vgg16_bn"]


def _params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("key", NEW)
def test_output_shape_for_2_and_10_classes_at_64_and_224(key):
    for classes in (2, 10):
        with on_meta():
            model = build_model(key, classes).train()  # train mode: GoogLeNet must not return its aux outputs
        for size in (64, 224):
            assert model(torch.empty(1, 3, size, size, device="meta")).shape == (1, classes)


def _inception_a(c: int) -> int:
    # branches: 1x1 (c*16+16), 1x1 (c*16+16) + 5x5 16->24, 1x1 (c*16+16) + 3x3 16->24 + 3x3 24->24, pool 1x1 (c*24+24)
    return 3 * (c * 16 + 16) + (16 * 24 * 25 + 24) + (16 * 24 * 9 + 24) + (24 * 24 * 9 + 24) + (c * 24 + 24)


@pytest.mark.parametrize("classes", [2, 10])
def test_parameter_counts_of_the_small_nets_follow_the_notes_layers(classes):
    inception = (3 * 10 * 25 + 10) + _inception_a(10) + (88 * 20 * 25 + 20) + _inception_a(20) + (1408 + 1) * classes
    residual = ((3 * 16 * 25 + 16) + 2 * (16 * 16 * 9 + 16) + (16 * 32 * 25 + 32) + 2 * (32 * 32 * 9 + 32)
                + (512 + 1) * classes)
    with on_meta():
        assert _params(build_model("inception_mini", classes)) == inception
        assert _params(build_model("residual_mini", classes)) == residual
    assert arch_info("residual_mini", classes)["params"] == residual
    assert residual == {2: 38_210, 10: 42_314}[classes]


@pytest.mark.parametrize("classes", [2, 10])
def test_d2l_resnet18_is_torchvisions_plus_conv_biases_less_shortcut_bn(classes):
    with on_meta():
        ours = _params(build_model("d2l_resnet18", classes))
        tv = _params(torchvision.models.resnet18(num_classes=classes))
    biases = 64 + 4 * 64 + (4 * 128 + 128) + (4 * 256 + 256) + (4 * 512 + 512)  # one per output channel of each conv
    shortcut_bn = 2 * (128 + 256 + 512)
    assert ours == tv + biases - shortcut_bn == tv + 3_008


@pytest.mark.parametrize("key,published", [("googlenet", 6_624_904), ("vgg16", 138_357_544),
                                           ("vgg16_bn", 138_365_992)])
def test_torchvision_nets_match_the_published_imagenet_counts(key, published):
    assert arch_info(key, 1000)["params"] == published  # GoogLeNet's without the auxiliary classifiers


def test_d2l_blocks_keep_or_halve_the_shape_as_the_note_shows():
    from core.models.d2l_resnet import Residual

    x = torch.rand(4, 3, 6, 6)
    assert Residual(3, 3)(x).shape == (4, 3, 6, 6)
    assert Residual(3, 6, use_1x1conv=True, strides=2)(x).shape == (4, 6, 3, 3)
    model = build_model("d2l_resnet18", 2)
    assert [name for name, _ in model.named_children()][:5] == ["b1", "b2", "b3", "b4", "b5"]


@pytest.mark.parametrize("key", ["inception_mini", "residual_mini", "d2l_resnet18"])
def test_small_nets_train_a_step_on_photo_sized_input(key):
    torch.manual_seed(0)
    model = build_model(key, 3)
    out = model(torch.randn(2, 3, 40, 40))  # an odd grid on the way down: the adaptive pool still fits the head
    assert out.shape == (2, 3)
    nn.functional.cross_entropy(out, torch.tensor([0, 2])).backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())
    first = next(model.parameters())  # the first conv's weight: the gradient reached the bottom of the net
    assert first.grad.abs().sum() > 0


def test_inception_block_concatenates_88_channels():
    from core.models.advanced_cnn import InceptionA

    assert InceptionA(10)(torch.rand(1, 10, 12, 12)).shape == (1, 88, 12, 12)


@pytest.mark.parametrize("key,name,features", [("vgg16", "classifier.6", 4096), ("vgg16_bn", "classifier.6", 4096),
                                               ("googlenet", "fc", 1024), ("d2l_resnet18", "fc", 512),
                                               ("inception_mini", "fc", 1408), ("residual_mini", "fc", 512)])
def test_heads_are_found_and_replaced(key, name, features):
    with on_meta():
        model = build_model(key, 1000).eval()  # as an ImageNet start: the 1000-class head is replaced
    x = torch.empty(1, 3, 64, 64, device="meta")
    assert head_name(model) == name
    new = replace_head(model, 10)
    assert get_head(model) is new and new.out_features == 10 and new.in_features == features
    assert new.weight.is_meta and model(x).shape == (1, 10)
    with without_head(model):
        assert model(x).shape == (1, features)
    assert model(x).shape == (1, 10)  # the head is back


def test_googlenet_imagenet_weights_load_without_aux_classifiers(tmp_path, monkeypatch):
    from core.models.pretrained import weights_file

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    torch.manual_seed(1)
    reference = torchvision.models.googlenet(aux_logits=True, init_weights=False)  # the file's real key set
    state = reference.state_dict()
    assert any(k.startswith("aux1.") for k in state)
    path = weights_file("googlenet")
    path.parent.mkdir(parents=True)
    torch.save(state, path)
    monkeypatch.setattr(torch.hub, "download_url_to_file", lambda *a, **k: pytest.fail("tried to download"))
    assert ARCHS["googlenet"].imagenet_status().installed
    model = build_model("googlenet", 3, weights="imagenet")
    assert model.aux1 is None and model.transform_input
    assert torch.equal(model.inception5b.branch1.conv.weight, state["inception5b.branch1.conv.weight"])
    assert model.fc.out_features == 3
    with on_meta():
        scratch = build_model("googlenet", 3)
    assert scratch.transform_input  # a run from scratch loads and runs exactly like one from ImageNet
    scratch.load_state_dict(model.state_dict(), assign=True)  # same keys: strict loading passes


def test_archs_lists_every_course_net_with_a_description():
    for key in NEW:
        info = arch_info(key)
        assert info["description"] and info["params"] > 0 and info["gflops"] > 0
    assert ARCHS["googlenet"].has_pretrained and not ARCHS["inception_mini"].has_pretrained
    # cost grows from the note's toy nets to VGG-16
    g = {k: arch_info(k)["gflops"] for k in NEW}
    assert g["residual_mini"] < g["inception_mini"] < g["googlenet"] < g["d2l_resnet18"] < g["vgg16"]
