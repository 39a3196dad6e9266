"""The architecture registry: counts, forward/backward, plain nets, pretrained loading."""

from __future__ import annotations

import json
import urllib.error

import pytest
import torch
import torchvision
from torch import nn

from core.cli.parser import main as cli_main
from core.models.catalog import arch_info
from core.models.meta import on_meta
from core.models.pretrained import PretrainedWeightsUnavailable, weights_file
from core.models.registry import ARCHS, build_model
from core.models.stats import complexity

COURSE_NETS = {"inception_mini", "residual_mini", "d2l_resnet18", "googlenet", "vgg16", "vgg16_bn"}  # test_course_nets
TORCHVISION_KEYS = [k for k, s in ARCHS.items() if s.source == "torchvision" and k not in COURSE_NETS]


@pytest.mark.parametrize("key", TORCHVISION_KEYS)
def test_param_counts_equal_torchvision(key):
    with on_meta():  # shapes only: no memory, no initialisation
        ours = sum(p.numel() for p in build_model(key, 2).parameters())
        theirs = sum(p.numel() for p in torchvision.models.get_model(key, num_classes=2).parameters())
    assert ours == theirs == arch_info(key)["params"]


def _layout(model: nn.Module) -> dict:
    return {name: (tuple(t.shape), t.dtype, t.requires_grad)
            for name, t in [*model.named_parameters(), *model.named_buffers()]}


def test_building_without_initialisers_changes_no_parameter_or_buffer():
    """on_meta skips the initialisers' fills: every architecture has the same tensors as a plain meta build."""
    for key in ARCHS:
        with torch.device("meta"):
            plain = build_model(key, 2)
        with on_meta():
            fast = build_model(key, 2)
        assert _layout(fast) == _layout(plain), key


def test_counting_keeps_batch_norms_own_checks():
    """Counting FLOPs reduces an eval-mode batch norm to its output's shape, but not a broken one."""
    from core.models.meta import meta_forward

    bn = nn.BatchNorm2d(4, device="meta").eval()
    with meta_forward():
        assert bn(torch.empty(2, 4, 3, 3, device="meta")).shape == (2, 4, 3, 3)
        with pytest.raises(RuntimeError, match="running_mean"):
            bn(torch.empty(2, 8, 3, 3, device="meta"))  # 8 channels into a 4-channel batch norm
        with pytest.raises(ValueError, match="more than 1 value per channel"):
            bn.train()(torch.empty(1, 4, 1, 1, device="meta"))
    with on_meta(), pytest.raises(RuntimeError):
        torch.empty(1, 4).add_(torch.empty(3, 4))  # arithmetic keeps its shape checks


@pytest.mark.parametrize("key,published", [
    ("resnet18", 11_689_512), ("resnet50", 25_557_032), ("resnext50_32x4d", 25_028_904),
    ("efficientnet_lite0", 4_652_008), ("efficientnet_lite2", 6_092_072),
])
def test_param_counts_equal_the_published_imagenet_counts(key, published):
    """torchvision's and timm's documented counts for the 1000-class models, not our own code's."""
    assert complexity(key, 1000)[0] == published


def test_two_class_counts_follow_from_the_head():
    # resnet18: 1000-class count less the head (512*1000 + 1000) plus a 2-class head (512*2 + 2)
    assert arch_info("resnet18")["params"] == 11_689_512 - 513_000 + 1_026 == 11_177_538


def test_flops_are_measured_and_scale_with_depth():
    f = {k: arch_info(k)["gflops"] for k in ("lenet", "resnet18", "resnet34", "resnet50", "plain18")}
    assert f["lenet"] < f["resnet18"] < f["resnet34"]
    assert 3.5 < f["resnet18"] < 3.7  # 1.82 G multiply-adds, as torchvision documents
    assert f["plain18"] < f["resnet18"]  # no projection shortcuts to compute
    # FLOPs grow with the pixel count
    assert complexity("resnet18", 2, 112)[1] == pytest.approx(complexity("resnet18", 2, 224)[1] / 4, rel=0.1)


def test_complexity_is_measured_once_then_read_from_the_cache(monkeypatch):
    from core.models import stats

    stats._MEASURED.clear()
    first = stats.complexity("resnet34")
    assert stats.STATS.path.is_file()
    stats._MEASURED.clear()
    monkeypatch.setattr(stats, "_measure", lambda *a: (_ for _ in ()).throw(AssertionError("measured again")))
    assert stats.complexity("resnet34") == first


# The deep family members (resnet101/152, resnext101) have the same blocks as resnet50/resnext50 and
# differ only in depth: their forward and backward run on the meta device (every shape and every
# gradient checked, no arithmetic); the others run for real on a 2-image, 32 px batch.
META_ONLY = {"resnet101", "resnet152", "resnext101_32x8d"}


@pytest.mark.parametrize("key", [k for k in ARCHS if k not in COURSE_NETS])
def test_forward_backward_small_batch(key):
    torch.manual_seed(0)
    device = "meta" if key in META_ONLY else "cpu"
    with on_meta() if device == "meta" else torch.device("cpu"):
        model = build_model(key, num_classes=2)
    x = torch.randn(2, 3, 32, 32, device=device)  # enough for every stage (the deepest reach 1x1); 4x cheaper than 64
    out = model(x)
    assert out.shape == (2, 2)
    out.sum().backward()
    params = [p for p in model.parameters() if p.requires_grad]
    assert all(p.grad is not None and p.grad.shape == p.shape for p in params)
    if device == "cpu":
        assert any(p.grad.abs().sum() > 0 for p in params)


@pytest.mark.parametrize("size", [32, 64, 128, 200, 224, 299])
def test_lenet_any_input_size_returns_logits(size):
    model = build_model("lenet", 3)
    out = model(torch.randn(2, 3, size, size))
    assert out.shape == (2, 3)
    # logits, not probabilities: rows do not sum to one
    assert not torch.allclose(out.sum(1), torch.ones(2))


def _zero_last_bn(block: nn.Module) -> None:
    """Make a block's residual branch output exactly zero (eval-mode BN with gamma=beta=0)."""
    with torch.no_grad():
        block.bn2.weight.zero_()
        block.bn2.bias.zero_()


@pytest.mark.parametrize("plain,res", [("plain18", "resnet18"), ("plain34", "resnet34")])
def test_plain_nets_have_no_shortcut(plain, res):
    torch.manual_seed(0)
    plain_model = build_model(plain).eval()
    res_model = build_model(res).eval()
    x = torch.rand(1, 64, 16, 16) + 0.1  # positive so that relu(x) == x
    for model, has_shortcut in ((plain_model, False), (res_model, True)):
        block = model.layer1[0]
        _zero_last_bn(block)
        y = block(x)
        if has_shortcut:
            assert torch.allclose(y, x)  # identity path carries the input through
        else:
            assert torch.count_nonzero(y) == 0  # nothing of x survives without a shortcut
        # no projection shortcut modules anywhere in the plain net
        if not has_shortcut:
            assert all(getattr(b, "downsample", None) is None for layer in
                       (model.layer1, model.layer2, model.layer3, model.layer4) for b in layer)
    blocks = sum(len(getattr(plain_model, f"layer{i}")) for i in range(1, 5))
    assert blocks == {"plain18": 8, "plain34": 16}[plain]


def test_pretrained_loads_cached_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    path = weights_file("resnet18")
    assert path.parent == tmp_path / "hub" / "checkpoints"
    torch.manual_seed(123)
    reference = torchvision.models.resnet18()  # real key names and shapes, random values
    state = reference.state_dict()
    path.parent.mkdir(parents=True)
    torch.save(state, path)

    def no_download(*a, **k):  # the test must never touch the network
        raise AssertionError("tried to download although the file is cached")

    monkeypatch.setattr(torch.hub, "download_url_to_file", no_download)
    model = build_model("resnet18", num_classes=2, weights="imagenet")
    got = model.state_dict()
    for key in ("conv1.weight", "layer3.1.bn2.running_mean", "layer4.0.downsample.0.weight"):
        assert torch.equal(got[key], state[key])
    assert model.fc.out_features == 2 and model.fc.in_features == 512


def test_pretrained_offline_error_names_file_and_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))

    def offline(*a, **k):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(torch.hub, "download_url_to_file", offline)
    with pytest.raises(PretrainedWeightsUnavailable) as info:
        build_model("resnet50", weights="imagenet")
    msg = str(info.value)
    assert weights_file("resnet50").name in msg
    assert str(tmp_path / "hub" / "checkpoints") in msg
    assert "98 MB" in msg  # how big
    assert "efficientnet_lite0" in msg and "from scratch" in msg  # the way on
    assert "\n" not in msg and "weights_only=False" not in msg


def test_lenet_and_plain_refuse_pretrained():
    with pytest.raises(ValueError, match="no ImageNet weights"):
        build_model("lenet", weights="imagenet")


def test_cli_archs_table_and_json(capsys):
    assert cli_main(["archs"]) == 0
    out = capsys.readouterr().out
    for key in ARCHS:
        assert key in out
    assert "11,177,538" in out
    assert cli_main(["archs", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["key"] for r in rows] == list(ARCHS)
    assert all({"key", "params", "gflops"} <= set(r) for r in rows)
