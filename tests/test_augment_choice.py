"""--augment none|basic|trivial|randaugment, --mixup and --cutmix: what they draw, how they are checked,
recorded and resumed (issue 27, item 2)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.cli.parser import main
from core.data.aug_preview import training_views
from core.data.augment import augment_batch, eval_batch, mix_batch, train_batch
from core.errors import InputError
from core.runs.meta import read_meta
from core.training import events as ev
from core.training import loop
from core.training.batches import EpochBatches
from core.training.config import TrainConfig
from core.training.engine import Trainer, resume


def _pixels(n: int = 6, side: int = 37, seed: int = 0) -> torch.Tensor:
    rng = np.random.default_rng(seed)
    return torch.from_numpy(rng.integers(0, 256, (n, side, side, 3), dtype=np.uint8))


def _gen(seed: int = 1) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_none_is_exactly_the_evaluation_crop():
    px = _pixels()
    assert torch.equal(augment_batch(px, 32, _gen(), "none"), eval_batch(px, 32))


def test_basic_is_todays_crop_and_flip_draw_for_draw():
    """Runs from before --augment keep their numbers: basic draws exactly what train_batch drew."""
    px = _pixels()
    assert torch.equal(augment_batch(px, 32, _gen(), "basic"), train_batch(px, 32, _gen()))


@pytest.mark.parametrize("policy", ["trivial", "randaugment"])
def test_policies_change_pixels_keep_shape_and_dtype_and_ignore_the_global_rng(policy):
    px = _pixels(8)
    basic = train_batch(px, 32, _gen())
    torch.manual_seed(1)
    a = augment_batch(px, 32, _gen(), policy)
    torch.manual_seed(2)  # torchvision's transforms draw from the global RNG: it must not matter
    b = augment_batch(px, 32, _gen(), policy)
    assert a.shape == basic.shape == (8, 3, 32, 32) and a.dtype == torch.uint8
    assert torch.equal(a, b)
    changed = [not torch.equal(a[i], basic[i]) for i in range(8)]
    assert sum(changed) >= 2  # per photo (some draws are the identity), on top of the same crops


def test_mixup_and_cutmix_give_soft_targets_that_sum_to_one():
    x = torch.rand(8, 3, 16, 16)
    y = torch.tensor([0, 1, 1, 0, 1, 0, 0, 1])
    same_x, same_y = mix_batch(x, y, 2, 0.0, 0.0, _gen())
    assert same_x is x and same_y is y  # both off: nothing changes, class indices stay
    for mixup, cutmix in ((0.2, 0.0), (0.0, 1.0), (0.2, 1.0)):
        mx, my = mix_batch(x, y, 2, mixup, cutmix, _gen())
        assert my.shape == (8, 2) and torch.allclose(my.sum(1), torch.ones(8))
        assert not torch.equal(mx, x) and mx.shape == x.shape
        again = mix_batch(x, y, 2, mixup, cutmix, _gen())
        assert torch.equal(again[0], mx) and torch.equal(again[1], my)


def test_batches_after_a_resume_equal_those_of_an_uninterrupted_epoch():
    """Step k of an epoch depends only on (seed, epoch, k): resuming at step 2 gives the same trivial+mixup batches."""
    px = _pixels(20).numpy()
    labels = np.array([0, 1] * 10, dtype=np.int64)
    args = dict(seed=3, epoch=1, batch_size=6, image_size=32, device=torch.device("cpu"), prefetch=False,
                augment="trivial", mixup=0.2, cutmix=1.0, num_classes=2)
    torch.manual_seed(0)
    whole = list(EpochBatches(px, labels, np.arange(20), **args).iterate(0, 4))
    torch.manual_seed(123)  # another process, another global RNG state
    tail = list(EpochBatches(px, labels, np.arange(20), **args).iterate(2, 4))
    for (i1, x1, y1), (i2, x2, y2) in zip(whole[2:], tail):
        assert np.array_equal(i1, i2) and torch.equal(x1, x2) and torch.equal(y1, y2)
    assert whole[0][2].shape == (6, 2)  # soft targets


def test_bad_settings_name_the_flag():
    with pytest.raises(InputError, match="--augment fancy"):
        TrainConfig(data="x", augment="fancy").validate()
    with pytest.raises(InputError, match="--mixup -0.5"):
        TrainConfig(data="x", mixup=-0.5).validate()
    with pytest.raises(InputError, match="--cutmix nan"):
        TrainConfig(data="x", cutmix=float("nan")).validate()
    frozen = dict(data="x", arch="efficientnet_lite0", weights="imagenet", freeze=True)
    TrainConfig(**frozen).validate()  # the defaults are fine
    with pytest.raises(InputError, match="do not apply with --freeze"):
        TrainConfig(**frozen, augment="trivial").validate()
    with pytest.raises(InputError, match="do not apply with --freeze"):
        TrainConfig(**frozen, cutmix=1.0).validate()


@pytest.mark.parametrize("extra, needle", [
    (["--augment", "fancy"], "--augment fancy"),
    (["--mixup", "-1"], "--mixup -1"),
    (["--weights", "imagenet", "--freeze", "--arch", "efficientnet_lite0", "--mixup", "0.2"], "--freeze"),
])
def test_bad_values_exit_2_with_one_line(extra, needle, tmp_path, capsys):
    data = tmp_path / "d"
    data.mkdir()
    assert main(["train", str(data), *extra]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and needle in err[0]


def test_old_records_without_the_fields_read_as_basic_and_off():
    cfg = TrainConfig.from_record({"data": "x", "arch": "lenet", "epochs": 2}, "last.ckpt")
    assert (cfg.augment, cfg.mixup, cfg.cutmix) == ("basic", 0.0, 0.0)
    with pytest.raises(InputError, match="config.mixup"):
        TrainConfig.from_record({"data": "x", "mixup": "lots"}, "last.ckpt")


def test_trivial_mixup_trains_is_recorded_and_resumes_with_the_same_choice(tmp_path, flat_data, monkeypatch):
    monkeypatch.setattr(loop, "BATCH_EVENT_INTERVAL_S", 0.0)  # report every batch, so we stop at an exact one
    assert main(["train", str(flat_data), "--arch", "lenet", "--image-size", "32", "--epochs", "2",
                 "--batch-size", "16", "--augment", "trivial", "--mixup", "0.2", "--out", str(tmp_path / "w"),
                 "--name", "cli"]) == 0
    config = read_meta(tmp_path / "w" / "cli")["config"]
    assert (config["augment"], config["mixup"], config["cutmix"]) == ("trivial", 0.2, 0.0)

    cfg = TrainConfig(data=str(flat_data), arch="lenet", image_size=32, epochs=2, batch_size=16,
                      out=str(tmp_path / "w"), name="run", augment="trivial", mixup=0.2)
    holder: list = []
    trainer = Trainer(cfg, lambda e: isinstance(e, ev.BatchEnd) and e.global_step >= 2 and holder[0].stop())
    holder.append(trainer)
    assert trainer.run().stopped
    run = tmp_path / "w" / "run"
    with pytest.raises(InputError, match="--augment basic: this run was trained with trivial"):
        resume(run, given={"augment": "basic"})
    assert not resume(run, given={"augment": "trivial"}).stopped
    meta = read_meta(run)
    assert meta["status"] == "finished" and meta["resumed"] == 1
    assert (meta["config"]["augment"], meta["config"]["mixup"], meta["config"]["cutmix"]) == ("trivial", 0.2, 0.0)
    assert [m["epoch"] for m in meta["metrics"]] == [1, 2]


def test_preview_draws_what_training_draws_for_the_policy(tmp_path):
    from PIL import Image

    from core.data.augment import cache_side
    from core.data.decode import decode_square

    path = tmp_path / "p.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (60, 80, 3), dtype=np.uint8)).save(path)
    square = torch.from_numpy(decode_square(path, cache_side(32)).copy())[None]
    for policy in ("basic", "trivial", "randaugment"):
        _, views = training_views(path, 32, 5, seed=4, augment=policy)
        want = augment_batch(square.expand(5, -1, -1, -1), 32, _gen(4), policy)
        assert all(np.array_equal(v.pixels, w.permute(1, 2, 0).numpy()) for v, w in zip(views, want))
    _, views = training_views(path, 32, 5, seed=4, augment="none")
    assert len(views) == 1 and np.array_equal(views[0].pixels, eval_batch(square, 32)[0].permute(1, 2, 0).numpy())
