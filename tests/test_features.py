"""``catdog features`` and core.explain.feature_maps: the first layer's filters and each stage's strongest channels."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from test_evaluate import trained_three
from torch import nn

from core.cli.parser import main
from core.explain.feature_grid import GAP, LABEL, MAP_TILE, TITLE, filters_picture, stage_picture
from core.explain.feature_maps import first_filters, photo_features
from core.explain.stages import conv_stages, feature_stages
from core.inference.predict import LoadedModel
from core.models.meta import meta_forward, on_meta
from core.models.registry import ARCHS, build_model


def grid_height(rows: int, tile: int, title: bool = True) -> int:
    return (TITLE if title else 0) + GAP + rows * (tile + LABEL + GAP)


@pytest.fixture
def run3(tmp_path_factory) -> tuple[Path, Path]:
    return trained_three(tmp_path_factory)  # a tiny 3-class LeNet run at 32 px, shared with test_evaluate


def _photo(run3) -> Path:
    return sorted((run3[0] / "cat").iterdir())[0]


def test_cli_writes_the_filters_and_every_stage(run3, tmp_path, capsys):
    _, run = run3
    out = tmp_path / "features"
    capsys.readouterr()
    assert main(["features", str(run), str(_photo(run3)), "--out", str(out)]) == 0
    names = ["filters.png", "conv1.png", "conv2.png", "pool.png"]  # LeNet's two convolutions and its pooling
    assert sorted(p.name for p in out.iterdir()) == sorted(names)
    assert capsys.readouterr().out.splitlines() == [f"wrote {out / n}" for n in names]
    filters = Image.open(out / "filters.png")  # 16 filters of 3x3: a 4x4 grid of 48 px tiles (16 x 3 px)
    assert filters.height == grid_height(4, 48) and filters.width >= GAP + 4 * (48 + GAP)
    for stage in ("conv1", "conv2", "pool"):  # 16 channels each: the 16 strongest, a 4x4 grid
        im = Image.open(out / f"{stage}.png")
        assert im.mode == "RGB" and im.height == grid_height(4, MAP_TILE) and im.width >= GAP + 4 * (MAP_TILE + GAP)


def test_stage_flag_writes_exactly_that_stage(run3, tmp_path, capsys):
    _, run = run3
    out = tmp_path / "one"
    assert main(["features", str(run), str(_photo(run3)), "--out", str(out), "--stage", "conv2"]) == 0
    assert [p.name for p in out.iterdir()] == ["conv2.png"]


def test_unknown_stage_bad_run_and_bad_photo_are_one_line_exit_2(run3, tmp_path, capsys):
    _, run = run3
    photo = _photo(run3)
    capsys.readouterr()
    assert main(["features", str(run), str(photo), "--out", str(tmp_path / "o"), "--stage", "layer9"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "layer9" in err and "conv1, conv2, pool" in err
    broken = tmp_path / "broken.jpg"
    broken.write_text("not a photo")
    for args in ([str(tmp_path / "no-run"), str(photo)], [str(run), str(tmp_path / "none.jpg")], [str(run), str(broken)]):
        assert main(["features", *args, "--out", str(tmp_path / "o")]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and Path(args[0] if "no-run" in args[0] else args[1]).name in err
    assert not (tmp_path / "o").exists()  # nothing written on a refusal


def _random_run(arch: str, size: int = 64) -> LoadedModel:
    """An untrained model of ``arch`` as a loaded run would be (the same object every command gets from load_run)."""
    torch.manual_seed(0)
    model = build_model(arch, 2).eval()
    return LoadedModel(Path("."), {"classes": ["cat", "dog"], "image_size": size}, model, torch.device("cpu"), "fp32")


@pytest.mark.parametrize("arch, filters, cols, tile", [("lenet", 16, 4, 48), ("resnet18", 64, 8, 49),
                                                       ("efficientnet_lite0", 32, 6, 48), ("inception_mini", 10, 4, 50)])
def test_every_architecture_gives_filters_and_at_least_three_stage_pictures(run3, arch, filters, cols, tile):
    lm = _random_run(arch)
    got = first_filters(lm.model)
    assert got.tiles.shape[0] == filters and got.rgb and got.tiles.dtype == np.uint8
    picture = filters_picture(got)
    assert picture.height == grid_height(-(-filters // cols), tile, False) and picture.width == GAP + cols * (tile + GAP)
    features = photo_features(lm, _photo(run3))
    assert len(features.stages) >= 3
    assert [s.stage for s in features.stages] == feature_stages(lm.model, lm.image_size)
    for s in features.stages:
        assert len(s.channels) == min(16, s.total) and s.means == sorted(s.means, reverse=True)
        assert s.maps.min() >= 0 and s.maps.max() <= 1
        cols = math.ceil(math.sqrt(len(s.channels)))  # 16 channels: 4x4; inception_mini's 10: 4 columns, 3 rows
        rows = math.ceil(len(s.channels) / cols)
        assert stage_picture(s).size == (GAP + cols * (MAP_TILE + GAP), grid_height(rows, MAP_TILE, False))


def test_every_catalog_architecture_has_three_feature_stages():
    for arch in ARCHS:
        with on_meta():  # shapes only: no weights filled in, fast
            model = build_model(arch, 2).eval()
        with meta_forward():
            assert len(feature_stages(model, 32)) >= 3, arch


def test_few_stages_are_filled_from_the_structure_and_grad_cams_stay():
    lenet = build_model("lenet", 2).eval()
    assert feature_stages(lenet, 32) == ["conv1", "conv2", "pool"]
    assert conv_stages(lenet, 32) == ["conv1", "conv2"]  # Grad-CAM's stages are unchanged
    resnet = build_model("resnet18", 2).eval()
    assert feature_stages(resnet, 32) == conv_stages(resnet, 32)


def test_strongest_channels_are_those_with_the_highest_mean_and_grey_filters_for_other_inputs(run3):
    conv = nn.Conv2d(3, 4, 3, padding=1, bias=True)
    with torch.no_grad():
        conv.weight.zero_()
        conv.bias.copy_(torch.tensor([1.0, 4.0, 2.0, 3.0]))
    model = nn.Sequential(conv, nn.Conv2d(4, 4, 1), nn.Conv2d(4, 4, 1), nn.Flatten(), nn.LazyLinear(2)).eval()
    model(torch.zeros(1, 3, 32, 32))  # materialise the lazy layer
    lm = LoadedModel(Path("."), {"classes": ["cat", "dog"], "image_size": 32}, model, torch.device("cpu"), "fp32")
    first = photo_features(lm, _photo(run3), "0").stages[0]
    assert first.channels == [1, 3, 2, 0] and first.means == pytest.approx([4, 3, 2, 1])
    grey = first_filters(nn.Sequential(nn.Conv2d(5, 2, 3)))
    assert not grey.rgb and (grey.tiles[..., 0] == grey.tiles[..., 2]).all() and grey.tiles.shape == (2, 3, 3, 3)
