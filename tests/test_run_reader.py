"""One reader of a run: a damaged or diverged run is a one-line error naming the file and the field, in
every command and the window; never a traceback, never a confident wrong answer; and every run is listed.

The damaged runs are copies of one tiny lenet run (one epoch at 32 px) with meta.json, model.safetensors
or last.ckpt edited the way a hand edit, a bad copy or a diverged training leaves them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from conftest import write_flat, write_test_folder
from PySide6.QtCore import Qt
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from core.cli.parser import main
from core.errors import InputError
from core.inference.predict import load_run, predict_files
from core.runs.table import check_run, list_rows, list_runs
from core.training.config import TrainConfig
from core.training.engine import Trainer


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> dict:
    """One finished lenet run, its labelled photos and a competition-style test folder."""
    root = tmp_path_factory.mktemp("reader")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CATDOG_CACHE_DIR", str(root / "cache"))
        data = write_flat(root / "data", 8, size=32)
        Trainer(TrainConfig(data=str(data), arch="lenet", epochs=1, batch_size=8, image_size=32,
                            out=str(root / "w"), name="good", seed=0)).run()
    write_test_folder(root / "test", [1, 2, 3], size=32)
    return {"run": root / "w" / "good", "data": data, "test": root / "test"}


def copy_run(trained, dest: Path, meta=None, weights=None, record="keep") -> Path:
    """A copy of the good run with ``meta(dict)`` / ``weights(dict)`` applied; ``record``: the weights'
    own metadata ("keep", None to drop it, or a dict)."""
    shutil.copytree(trained["run"], dest)
    meta_path = dest / "meta.json"
    if meta is not None:
        m = json.loads(meta_path.read_text())
        meta(m)
        meta_path.write_text(json.dumps(m))
    if weights is not None or record != "keep":
        model = dest / "model.safetensors"
        with safe_open(str(model), framework="pt") as f:
            stored = f.metadata()
        tensors = load_file(str(model))
        if weights is not None:
            weights(tensors)
        save_file(tensors, str(model), metadata=stored if record == "keep" else record)
    return dest


def one_line(capsys) -> str:
    out = capsys.readouterr()
    lines = out.err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.err, out.err
    return lines[0].split(": error: ", 1)[1]


def _set(key, value):
    def edit(m):
        m[key] = value
    return edit


def _std(m):
    m["normalization"]["std"] = [0, 0, 0]


# -- 1. RunMeta: types and ranges ---------------------------------------------------------------
@pytest.mark.parametrize("edit,field", [
    (_set("image_size", 0), "image_size"), (_set("image_size", -1), "image_size"),
    (_set("image_size", "abc"), "image_size"), (_set("image_size", 10**9), "image_size"),
    (_set("arch", "nope"), "arch"), (_set("normalization", "abc"), "normalization"),
    (_std, "normalization.std"), (_set("classes", [1, 2]), "classes"), (_set("classes", ["cat", "cat"]), "classes"),
    (_set("classes", "cd"), "classes"), (_set("classes", ["cat", ""]), "classes"), (_set("resize", 5), "resize"),
    (_set("num_classes", 3), "num_classes"),
])
def test_impossible_meta_values_are_one_line_naming_the_file_and_the_field(trained, tmp_path, capsys, edit, field):
    run = copy_run(trained, tmp_path / "bad", meta=edit)
    assert main(["predict", str(run), str(trained["test"]), "--csv", str(tmp_path / "s.csv")]) == 2
    assert one_line(capsys).startswith(f'{run / "meta.json"}: "{field}"')
    assert not (tmp_path / "s.csv").exists()


def test_every_command_and_the_window_say_the_same_line(trained, tmp_path, capsys, window, qtbot):
    weights = Path(window.weights_dir)
    run = copy_run(trained, weights / "bad", meta=_set("arch", "nope"))  # only loading can tell: it is listed
    commands = [["predict", str(run), str(trained["test"])], ["eval", str(run), str(trained["data"])],
                ["explain", str(run), str(trained["test"] / "1.jpg"), "--out", str(tmp_path / "x")],
                ["export", str(run), "--format", "onnx", "--out", str(tmp_path / "m.onnx")]]
    said = set()
    for argv in commands:
        assert main(argv) == 2, argv
        said.add(one_line(capsys))
    assert len(said) == 1 and f'{run / "meta.json"}: "arch" is \'nope\'' in said.pop()
    assert not (tmp_path / "m.onnx").exists()
    with pytest.raises(InputError) as exc:
        load_run(run)
    window.predictPage.refresh_models(select=str(run))
    assert window.predictPage.model_path() == str(run)
    with qtbot.waitSignal(window.predictionsReady, timeout=60_000) as ready:
        window.predict_paths([trained["test"]])
    assert ready.args == [0] and window.last_error == str(exc.value)


# -- 2. meta.json against the weights --------------------------------------------------------------
def test_classes_swapped_against_the_weights_record_are_refused(trained, tmp_path, capsys):
    run = copy_run(trained, tmp_path / "swapped", meta=_set("classes", ["dog", "cat"]))
    assert main(["predict", str(run), str(trained["test"]), "--csv", str(tmp_path / "s.csv")]) == 2
    err = one_line(capsys)
    assert str(run / "meta.json") in err and str(run / "model.safetensors") in err and '"classes"' in err
    other = copy_run(trained, tmp_path / "arch", record={"arch": "resnet18", "classes": "cat,dog"})
    assert main(["predict", str(other), str(trained["test"])]) == 2
    assert '"arch"' in one_line(capsys)


def test_weights_without_their_own_record_still_load(trained, tmp_path):
    run = copy_run(trained, tmp_path / "old", record=None)
    photos = sorted(trained["test"].iterdir())
    want = [p.probs for p in predict_files(load_run(trained["run"], "cpu", "fp32"), photos)[0]]
    assert [p.probs for p in predict_files(load_run(run, "cpu", "fp32"), photos)[0]] == want


def test_weights_that_do_not_fit_name_the_key_and_both_shapes(trained, tmp_path, capsys):
    def three(m):
        m["classes"], m["num_classes"] = ["cat", "dog", "fox"], 3
    run = copy_run(trained, tmp_path / "three", meta=three, record=None)
    assert main(["predict", str(run), str(trained["test"])]) == 2
    assert "'fc3.weight' is [2, 64] in the weights, [3, 64] in the model" in one_line(capsys)
    gone = copy_run(trained, tmp_path / "gone", weights=lambda t: t.pop("fc2.bias"))
    assert main(["predict", str(gone), str(trained["test"])]) == 2
    assert "'fc2.bias' is missing from the weights" in one_line(capsys)


# -- 3. never a non-finite answer ----------------------------------------------------------------
@pytest.mark.parametrize("value,kind", [(float("nan"), "NaN"), (float("inf"), "infinite")])
def test_diverged_weights_are_refused_by_predict_and_eval(trained, tmp_path, capsys, value, kind):
    def diverge(t):
        t["fc2.weight"][0, 0] = value
    run = copy_run(trained, tmp_path / "diverged", weights=diverge)
    csv = tmp_path / "s.csv"
    for argv in (["predict", str(run), str(trained["test"]), "--csv", str(csv), "--format", "proba"],
                 ["eval", str(run), str(trained["data"])]):
        assert main(argv) == 2
        out = capsys.readouterr()
        assert f"{run / 'model.safetensors'} holds {kind} weights (the training diverged)" in out.err
        assert "accuracy" not in out.out and "nan" not in out.out.lower()
    assert not csv.exists()


def test_non_finite_probabilities_are_never_returned(trained, tmp_path, capsys):
    lm = load_run(trained["run"], "cpu", "fp32")

    class Diverged(torch.nn.Module):
        def forward(self, x):
            return torch.full((x.shape[0], 2), float("nan"))

    lm.model = Diverged()
    with pytest.raises(InputError, match=rf"model {lm.run_dir} gives non-finite probabilities"):
        predict_files(lm, sorted(trained["test"].iterdir()))

    def overflow(m):  # finite weights, allowed values, but inputs of -1e60: inf, then NaN, inside the net
        m["normalization"] = {"mean": [1e30] * 3, "std": [1e-30] * 3}
    run = copy_run(trained, tmp_path / "overflow", meta=overflow)
    csv = tmp_path / "p.csv"
    assert main(["predict", str(run), str(trained["test"]), "--csv", str(csv), "--format", "proba"]) == 2
    assert "gives non-finite probabilities" in one_line(capsys) and not csv.exists()


def test_a_damaged_recorded_split_is_one_line_naming_last_ckpt(trained, tmp_path, capsys):
    run = copy_run(trained, tmp_path / "split")
    ckpt = torch.load(run / "last.ckpt", map_location="cpu", weights_only=True)
    ckpt["split"] = {"val": "x", "classes": ["cat", "dog"]}
    torch.save(ckpt, run / "last.ckpt")
    assert main(["eval", str(run)]) == 2
    err = one_line(capsys)
    assert str(run / "last.ckpt") in err and '"split"' in err


# -- 4. every run listed -------------------------------------------------------------------------
def _damaged_runs(trained, root: Path) -> dict[str, Path]:
    runs = {name: copy_run(trained, root / name) for name in ("good", "garbage", "listy", "deep", "twice", "nometa")}
    (runs["garbage"] / "meta.json").write_text("{not json")
    (runs["listy"] / "meta.json").write_text("[1, 2]")
    (runs["deep"] / "meta.json").write_text("[" * 100_000 + "]" * 100_000)  # json: RecursionError
    m = json.loads((runs["twice"] / "meta.json").read_text())
    m["classes"] = ["cat", "cat"]
    (runs["twice"] / "meta.json").write_text(json.dumps(m))
    (runs["nometa"] / "meta.json").unlink()
    (root / "not-a-run").mkdir()
    return runs


def test_runs_lists_every_run_and_damaged_ones_with_the_reason(trained, tmp_path, capsys):
    root = tmp_path / "weights"
    runs = _damaged_runs(trained, root)
    assert main(["runs", str(root), "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == set(runs)
    assert rows["good"]["status"] == "finished" and rows["good"]["reason"] is None
    reasons = {name: rows[name]["reason"] for name in runs if name != "good"}
    assert all(rows[name]["status"] == "damaged" for name in reasons)
    assert all(str(runs[name] / "meta.json") in reason for name, reason in reasons.items())
    assert "nested too deeply" in reasons["deep"] and "holds a list" in reasons["listy"]
    assert reasons["twice"].endswith("\"classes\" names 'cat' twice")
    assert main(["predict", str(runs["twice"]), str(trained["test"])]) == 2
    assert one_line(capsys) == reasons["twice"]  # the listing says what loading would say
    assert main(["runs", str(root)]) == 0
    text = capsys.readouterr().out
    assert "6 run(s)" in text and f"deep is damaged: {reasons['deep']}" in text
    assert [r.name for r in list_runs(root)] == ["good"] == [r.name for r in list_runs(root, resumable=True)]
    with pytest.raises(InputError, match="nested too deeply"):
        check_run(runs["deep"])


def test_runs_page_shows_a_damaged_run_and_keeps_its_actions_off(trained, window, qtbot):
    root = Path(window.weights_dir)
    runs = _damaged_runs(trained, root)
    page = window.runsPage
    page.refresh()
    by_name = {Path(p).name: r for p, r in page.runsTable.rows.items()}
    assert set(by_name) == set(runs) and by_name["deep"].status == "damaged"
    page.runsTable.select_paths([str(runs["deep"])])
    [row] = [r for r in range(page.runsTable.row_count()) if page.runsTable.path_at(r) == str(runs["deep"])]
    assert "nested too deeply" in page.runsTable.proxy.index(row, 6).data(Qt.ItemDataRole.ToolTipRole)
    assert not page.resumeButton.isEnabled() and not page.compareButton.isEnabled()
    assert page.deleteButton.isEnabled() and page.openButton.isEnabled()
    page.runsTable.select_paths([str(runs["good"])])
    assert page.resumeButton.isEnabled() and page.compareButton.isEnabled()
    window.predictPage.refresh_models()
    combo = window.predictPage.modelCombo
    offered = {combo.itemData(i) for i in range(combo.count())}
    assert str(runs["good"]) in offered and not offered & {str(p) for n, p in runs.items() if n != "good"}


def test_listing_never_fails_on_one_folder(trained, tmp_path):
    root = tmp_path / "w"
    runs = _damaged_runs(trained, root)
    (runs["garbage"] / "meta.json").write_bytes(b"\xff\xfe\x00garbage")
    m = {"arch": "lenet", "epochs_done": float("inf"), "best_val_acc": 1e400, "created": 5, "config": [1]}
    (runs["listy"] / "meta.json").write_text(json.dumps(m))
    rows = {r.name: r for r in list_rows(root)}
    assert set(rows) == set(runs) and rows["listy"].epochs == 0 and rows["listy"].best_val_acc is None
