"""The architecture explorer: stages read from the real models, totals equal to `catdog archs`."""

from __future__ import annotations

import json
import threading

import pytest
import torch
from conftest import write_flat
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from core.cli.parser import main as cli_main
from core.data.aug_preview import training_views
from core.data.augment import cache_side, train_batch
from core.data.decode import decode_square
from core.errors import InputError
from core.explore.architecture import explore
from core.models import registry, stats
from core.models.catalog import arch_info
from core.models.registry import ARCHS, ArchSpec
from core.models.stats import build_meta, complexity, complexity_flops, thread_local_flop_counter


@pytest.mark.parametrize("key", list(ARCHS))
def test_stage_totals_equal_the_archs_numbers_for_every_architecture(key):
    e = explore(key, 32)  # meta device: shapes only; 32 px is the app's smallest common size
    assert (e.params, e.flops) == complexity_flops(key, 2, 32)
    assert e.gflops == complexity(key, 2, 32)[1]
    assert sum(s.params for s in e.stages) == e.params == sum(p.numel() for p in build_meta(key).parameters())
    assert sum(s.flops for s in e.stages) == e.flops > 0
    assert len(e.stages) >= 3 and all(s.name and s.block for s in e.stages)
    assert e.special


@pytest.mark.parametrize("key", ["resnet18", "efficientnet_lite0", "d2l_resnet18"])
def test_flops_are_those_of_torchs_own_flop_counter(key):
    """Stock counter, real batch norm (counting skips it as FLOP-free): the same totals."""
    model = build_meta(key)
    stock = FlopCounterMode(display=False)
    with stock, torch.no_grad():
        model(torch.empty(1, 3, 64, 64, device="meta"))
    assert explore(key, 64).flops == complexity_flops(key, 2, 64)[1] == stock.get_total_flops()


def test_resnet_rows_read_the_network():
    e = explore("resnet18", 64)
    assert [s.name for s in e.stages] == ["stem", "layer1", "layer2", "layer3", "layer4", "head"]
    stem, layer1, layer2, *_, layer4, head = e.stages
    assert stem.output == [64, 16, 16] and "Conv 7×7/2" in stem.block and "MaxPool" in stem.block
    assert (layer1.block, layer1.blocks, layer1.output) == ("BasicBlock", 2, [64, 16, 16])
    assert layer4.output == [512, 2, 2] and head.output == [2]
    assert "identity" in layer1.note and "1×1 projection" in layer2.note
    assert "shortcut" in e.special


@pytest.mark.parametrize("key,block,phrase", [
    ("plain34", "PlainBlock", "no shortcut"),
    ("resnet50", "Bottleneck", "bottleneck"),
    ("resnext50_32x4d", "Bottleneck", "groups=32"),
    ("efficientnet_lite0", "InvertedResidual", "depthwise"),
])
def test_what_is_special_is_read_from_the_blocks(key, block, phrase):
    e = explore(key, 64)
    assert any(s.block == block for s in e.stages)
    assert phrase in e.special
    assert phrase in " ".join(s.note for s in e.stages if s.kind == "stage")


def test_lenet_is_a_plain_stack_with_a_row_per_conv():
    e = explore("lenet", 64)
    assert [s.name for s in e.stages] == ["conv1", "conv2", "head"]
    assert e.stages[0].output == [16, 32, 32]  # after the max pooling its forward code applies
    assert "plain stack of 2 conv and 3 fully connected" in e.special


class _Residual(nn.Module):
    """The d2l notes' residual block, as another helper may add it (a 1×1 conv3 projection)."""

    def __init__(self, cin: int, cout: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1)
        self.conv3 = nn.Conv2d(cin, cout, 1, stride) if stride > 1 else None
        self.bn1, self.bn2 = nn.BatchNorm2d(cout), nn.BatchNorm2d(cout)

    def forward(self, x):
        y = self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x)))))
        return torch.relu(y + (self.conv3(x) if self.conv3 is not None else x))


def _d2l_like(num_classes: int) -> nn.Module:
    return nn.Sequential(nn.Sequential(nn.Conv2d(3, 16, 7, 2, 3), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(3, 2, 1)),
                         nn.Sequential(_Residual(16, 16), _Residual(16, 16)),
                         nn.Sequential(_Residual(16, 32, 2), _Residual(32, 32)),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, num_classes))


@pytest.fixture
def later_archs(monkeypatch):
    """Architectures the explorer has no code for: torchvision's GoogLeNet and VGG-16, a d2l-style net."""
    monkeypatch.setitem(registry._LOCAL_BUILDERS, "d2l_like", _d2l_like)
    monkeypatch.setattr(stats, "_MEASURED", {})  # this process's counts of the registered googlenet and vgg16
    for spec in (ArchSpec("d2l_like", "ResNet", "d2l"), ArchSpec("googlenet", "GoogLeNet", "g", "torchvision", "googlenet"),
                 ArchSpec("vgg16", "VGG", "v", "torchvision", "vgg16")):
        monkeypatch.setitem(ARCHS, spec.key, spec)


@pytest.mark.filterwarnings("ignore::FutureWarning")  # torchvision's note on GoogLeNet's initialisation
def test_architectures_added_later_get_sensible_rows(later_archs):
    g = explore("googlenet", 64)
    rows = {s.name: s for s in g.stages}
    assert ["stem", "inception3", "maxpool3", "inception4", "maxpool4", "inception5", "head", "aux1", "aux2"] == \
        [s.name for s in g.stages]
    assert (rows["inception4"].block, rows["inception4"].blocks) == ("Inception", 5)
    assert "4 parallel branches" in rows["inception3"].note and rows["aux1"].output is None
    v = explore("vgg16", 64)
    assert [s.name for s in v.stages] == [f"conv block {i}" for i in range(1, 6)] + ["head"]
    assert [s.blocks for s in v.stages[:5]] == [2, 2, 3, 3, 3] and v.stages[4].output == [512, 2, 2]
    d = explore("d2l_like", 64)
    assert [s.name for s in d.stages] == ["stem", "stage 1", "stage 2", "head"]
    assert "identity" in d.stages[1].note and "1×1 projection" in d.stages[2].note
    for e in (g, v, d):
        assert (e.params, e.flops) == complexity_flops(e.arch, 2, 64)


def test_counting_hooks_nothing_outside_its_own_thread():
    """torch's FlopCounterMode installs global module hooks; ours must not (a training thread runs beside it)."""
    other = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU())
    seen = []
    counter = thread_local_flop_counter()
    with counter:
        assert not nn.modules.module._global_forward_pre_hooks
        worker = threading.Thread(target=lambda: seen.append(other(torch.randn(1, 3, 8, 8)).shape))
        worker.start()
        worker.join()
    assert seen and counter.get_total_flops() == 0  # the other thread's conv was not counted here


def test_image_sizes_out_of_range_are_clear_errors(monkeypatch, capsys):
    with pytest.raises(InputError, match="--image-size 8: resnet18 takes 16 to 1024 px"):
        explore("resnet18", 8)
    def big_kernel(n: int) -> nn.Module:
        return nn.Sequential(nn.Conv2d(3, 4, 40), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, n))

    monkeypatch.setitem(registry._LOCAL_BUILDERS, "needs40", big_kernel)
    monkeypatch.setitem(ARCHS, "needs40", ArchSpec("needs40", "Test", "a 40x40 kernel"))
    with pytest.raises(InputError, match="smallest size it takes is 40 px"):
        explore("needs40", 32)
    assert cli_main(["explore", "needs40", "--image-size", "32"]) == 2
    assert "40 px" in capsys.readouterr().err
    assert cli_main(["explore", "resnet_nine"]) == 2
    assert "unknown architecture 'resnet_nine'" in capsys.readouterr().err


def test_cli_json_totals_equal_catdog_archs(capsys):
    assert cli_main(["explore", "resnet18", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    info = arch_info("resnet18")
    assert data["params"] == info["params"] and round(data["gflops"], 3) == info["gflops"]
    assert data["stages"][0]["name"] == "stem" and data["stages"][1]["output"] == [64, 56, 56]


def test_cli_two_architectures_side_by_side(capsys):
    assert cli_main(["explore", "plain18", "resnet18", "--image-size", "64"]) == 0
    out = capsys.readouterr().out
    head = out.splitlines()[0]
    assert head.split() == ["plain18", "resnet18"]
    assert "no shortcuts" in out and "identity shortcuts" in out and "the parameters" in out
    assert cli_main(["explore", "lenet", "vgg_nope"]) == 2


def test_preview_is_exactly_what_training_makes(tmp_path):
    photo = write_flat(tmp_path / "d", per_class=1, size=90) / "cat.0.jpg"
    square, views = training_views(photo, 48, n=5, seed=3)
    assert square.shape == (cache_side(48), cache_side(48), 3) and len(views) == 5
    square_u8 = torch.from_numpy(decode_square(photo, cache_side(48)).copy())
    expected = train_batch(square_u8[None].expand(5, -1, -1, -1), 48, torch.Generator().manual_seed(3))
    for view, crop in zip(views, expected):
        assert view.pixels.shape == (48, 48, 3)
        assert (view.pixels == crop.permute(1, 2, 0).numpy()).all()
    assert any(v.pixels.tobytes() != views[0].pixels.tobytes() for v in views[1:])
    centre, mirrored = training_views(photo, 48, frozen=True)[1]
    assert (mirrored.pixels == centre.pixels[:, ::-1]).all() and centre.caption == "centre"
