"""Issue 25, the window side: several runs as one model ("Ensemble of 2 runs") on Predict and Evaluate.

The numbers must be core's: the rows and the proba CSV are what ``catdog predict RUN_A RUN_B DIR --csv F
--format proba`` gives (calibrated probabilities averaged, clipped to the ensemble's bound), Evaluate
reports what ``catdog eval RUN_A RUN_B DATA`` reports, Grad-CAM explains one named run of the ensemble,
and runs with other classes are refused in one readable sentence.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch
from conftest import write_flat, write_test_folder
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog
from test_export_safety import fake_run
from window_actions import drop_files

from core.cli.parser import main
from core.data.discover import collect_images
from core.inference.ensemble import load_model
from core.inference.eval_sets import labelled_folder
from core.inference.evaluate import evaluate
from core.inference.predict import load_run, predict_files
from core.inference.submission import format_submission
from core.runs import store
from core.runs.layout import ensemble_ref
from core.runs.meta import read_meta, write_meta

TIMEOUT_MS = 60_000


def calibrated_run(weights: Path, name: str, temperature: float, clip: float, lean: float = 0.0) -> str:
    """An untrained lenet run (32 px) with a calibration record; ``lean`` is added to the dog logit, so that two such
    runs agree and a small temperature makes them sure (the proba CSV then clips)."""
    from core.models.registry import build_model

    torch.manual_seed(sum(map(ord, name)))  # the same weights every time: the numbers below do not depend on luck
    model = build_model("lenet", 2)
    with torch.no_grad():
        model.fc3.bias += torch.tensor([0.0, lean])
    run = weights / name
    run.mkdir(parents=True)
    store.save_model(run, model)
    write_meta(run, {"arch": "lenet", "classes": ["cat", "dog"], "image_size": 32, "status": "finished",
                     "calibration": {"temperature": temperature, "proba_clip": clip}})
    return str(run)


def _runs(window, *specs) -> list[str]:
    weights = Path(window.weights_dir)
    runs = [calibrated_run(weights, *spec) if isinstance(spec, tuple) else str(fake_run(weights, ["cat", "dog"], spec))
            for spec in specs]
    window.predictPage.refresh_models(select=runs[0])
    return runs


def _drop_and_wait(window, qtbot, folder: Path) -> None:
    with qtbot.waitSignal(window.predictionsReady, timeout=TIMEOUT_MS):
        drop_files(window.dropZone, [folder])


def _export(window, qtbot, monkeypatch, out: Path, fmt: str = "proba"):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    qtbot.mouseClick(window.exportCsvButton, Qt.MouseButton.LeftButton)
    dialog = window.export_dialog
    dialog.formatCombo.setCurrentIndex(dialog.formatCombo.findData(fmt))
    help_text, preview = dialog.formatHelp.text(), dialog.preview.toPlainText()
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        qtbot.mouseClick(dialog.saveButton, Qt.MouseButton.LeftButton)
    return help_text, preview


def test_predict_with_an_ensemble_writes_the_csv_catdog_predict_writes(window, qtbot, tmp_path, monkeypatch):
    a, b = _runs(window, ("a", 0.02, 0.0005, 1.0), ("b", 0.1, 0.002, 0.6))
    page, combo = window.predictPage, window.modelCombo
    assert page.choose_ensemble([a, b]) is None
    assert combo.currentData() == ensemble_ref([a, b])
    assert combo.currentText() == "Ensemble of 2 runs (a, b)" and "a  (lenet" in combo.toolTip()
    write_test_folder(tmp_path / "test", list(range(1, 11)), size=40)
    _drop_and_wait(window, qtbot, tmp_path / "test")
    assert page.rows_shown() == 10 and page.rows_model == ensemble_ref([a, b])
    assert "Ensemble of 2 runs (a, b)" in page.rowsModelLabel.text() and "TTA" not in page.rowsModelLabel.text()

    lm = load_model([a, b])
    files = collect_images([tmp_path / "test"])
    expected = predict_files(lm, files)[0]
    got = {p.path: p.probs for p in page.predictions()}
    assert got == {p.path: pytest.approx(p.probs, abs=1e-6) for p in expected}
    want = format_submission(expected, lm.classes, "proba", bound=lm.proba_bound)
    assert want != format_submission(expected, lm.classes, "proba")  # the ensemble's bound matters here

    help_text, preview = _export(window, qtbot, monkeypatch, tmp_path / "window.csv")
    assert lm.proba_bound.describe() in help_text  # the dialog says how the probabilities are clipped
    assert preview.splitlines()[:3] == want.splitlines()[:3]  # the preview is the file's first lines
    assert (tmp_path / "window.csv").read_text() == want
    cli = tmp_path / "cli.csv"
    assert main(["predict", a, b, str(tmp_path / "test"), "--csv", str(cli), "--format", "proba"]) == 0
    assert (tmp_path / "window.csv").read_text() == cli.read_text()


def test_grad_cam_of_an_ensemble_row_names_the_run_it_shows(window, qtbot, tmp_path):
    a, b = _runs(window, "a", "b")
    page = window.predictPage
    page.choose_ensemble([a, b])
    write_test_folder(tmp_path / "t", list(range(1, 13)), size=40)
    _drop_and_wait(window, qtbot, tmp_path / "t")
    table, cam = window.predictionsTable, page.camView
    table.sortByColumn(3, Qt.SortOrder.DescendingOrder)  # a sort moves rows: the view must follow the photo
    arrival = [p.path.name for p in table.predictions]
    row = next(r for r in range(len(arrival)) if table.prediction_at(r).path.name != arrival[r])
    photo = table.prediction_at(row).path
    with qtbot.waitSignal(cam.camReady, timeout=TIMEOUT_MS) as ready:
        table.selectRow(row)
    assert Path(ready.args[0]) == photo and cam.cam.path == photo
    title = cam.title.text()
    assert title.startswith(f"<b>{photo.name}</b>") and "Grad-CAM of <b>a</b> (1 of 2 in the ensemble)" in title
    assert cam.memberRow.isVisibleTo(page) and cam.memberCombo.count() == 2
    assert cam.cam.probs == pytest.approx(predict_files(load_run(a), [photo])[0][0].probs, abs=1e-4)  # a's own

    with qtbot.waitSignal(cam.camReady, timeout=TIMEOUT_MS):  # the other run of the ensemble
        cam.memberCombo.setCurrentIndex(1)
        cam.memberCombo.activated.emit(1)
    assert cam.cam.path == photo and "Grad-CAM of <b>b</b> (2 of 2 in the ensemble)" in cam.title.text()
    assert cam.cam.probs == pytest.approx(predict_files(load_run(b), [photo])[0][0].probs, abs=1e-4)

    window.modelCombo.setCurrentIndex(window.modelCombo.findData(a))  # one run again: no Run box
    qtbot.waitUntil(lambda: window.predict_job is None and page.rows_shown() == 12, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(cam.camReady, timeout=TIMEOUT_MS):
        table.selectRow(0)
    assert not cam.memberRow.isVisibleTo(page) and "ensemble" not in cam.title.text()


def test_evaluate_with_an_ensemble_reports_core_numbers(window, qtbot, tmp_path):
    a, b = _runs(window, ("a", 0.05, 0.01), ("b", 0.2, 0.001))
    data = write_flat(tmp_path / "labelled", per_class=8, size=40)
    page = window.evaluatePage
    window.tabs.setCurrentWidget(page)
    page.evalModelCombo.refresh(window.weights_dir)
    assert page.choose_ensemble([a, b]) is None
    assert page.evalModelCombo.currentText() == "Ensemble of 2 runs (a, b)"
    page.evalDataEdit.setText(str(data))
    for tta in (False, True):
        page.evalTtaCheck.setChecked(tta)
        with qtbot.waitSignal(window.evaluationReady, timeout=TIMEOUT_MS):
            qtbot.mouseClick(page.evaluateButton, Qt.MouseButton.LeftButton)
        lm = load_model([a, b])
        want = evaluate(lm, labelled_folder(str(data), lm.classes).samples, tta=tta).report()
        got = page.result.report()
        assert got.accuracy == want.accuracy and got.log_loss == pytest.approx(want.log_loss, abs=1e-6)
        assert (got.confusion == want.confusion).all()
        assert "Evaluated Ensemble of 2 runs (a, b) on 16 photos" in window.statusLine.text()
        assert ("with TTA" in page.results.summaryLabel.text()) == tta  # the report says how it was measured
    tta_loss = got.log_loss

    qtbot.waitUntil(lambda: page.galleryList.count() > 0)  # the top losses, shown once the numbers are painted
    with qtbot.waitSignal(page.camView.camReady, timeout=TIMEOUT_MS) as ready:  # Grad-CAM names the run it shows
        page.galleryList.setCurrentRow(0)
    assert Path(ready.args[0]) == page.galleryList.photos[0].path
    assert "(1 of 2 in the ensemble)" in page.camView.title.text()
    assert tta_loss != pytest.approx(evaluate(load_model([a, b]), labelled_folder(str(data), ["cat", "dog"]).samples)
                                     .log_loss, abs=1e-9)  # TTA changed the numbers


def test_runs_with_other_classes_are_refused_in_a_sentence(window, qtbot, tmp_path, capsys):
    a, b = _runs(window, "a", "b")
    c = str(fake_run(Path(window.weights_dir), ["apple", "pear"], "c"))
    page = window.predictPage
    page.refresh_models(select=a)
    combo = window.modelCombo
    problem = page.choose_ensemble([a, c])
    assert problem is not None and "classes are apple, pear, not cat, dog" in problem and "\n" not in problem
    assert window.last_error == problem and combo.currentData() == a
    assert not any(str(combo.itemData(i)).startswith("ensemble:") for i in range(combo.count()))

    qtbot.mouseClick(page.modelRow.ensembleButton, Qt.MouseButton.LeftButton)  # the dialog: the same rule
    dialog = page.modelRow.dialog
    runs_list = dialog.findChild(type(dialog.ensembleRunsList), "ensembleRunsList")
    assert runs_list.count() == 3 and not dialog.okButton.isEnabled()
    assert dialog.chosen() == [a]  # the run chosen in the box starts ticked
    dialog.tick(c)
    assert dialog.chosen() == [a] and "apple, pear" in dialog.message.text() and not dialog.okButton.isEnabled()
    dialog.tick(b)
    assert dialog.chosen() == [a, b] and dialog.okButton.isEnabled()
    qtbot.mouseClick(dialog.okButton, Qt.MouseButton.LeftButton)
    assert combo.currentData() == ensemble_ref([a, b])

    write_test_folder(tmp_path / "t", [1, 2, 3], size=40)  # b retrained on other classes after it was chosen
    meta = read_meta(Path(b))
    meta["classes"] = ["apple", "pear"]
    write_meta(Path(b), meta)
    with qtbot.waitSignal(window.predictionsReady, timeout=TIMEOUT_MS):
        window.predict_paths([tmp_path / "t"])
    assert "cannot average" in window.last_error and "\n" not in window.last_error
    assert "Traceback" not in capsys.readouterr().err


def test_an_ensemble_stays_listed_while_its_runs_exist(window, qtbot):
    a, b, c = _runs(window, "a", "b", "c")
    page, combo = window.predictPage, window.modelCombo
    page.choose_ensemble([a, b])
    ens = ensemble_ref([a, b])
    page.refresh_models()
    assert combo.currentData() == ens and combo.findData(ens) == 3  # after the runs, before the ImageNet baseline
    page.choose_ensemble([b, a + "/"])  # the same two runs, ticked the other way round: the same model, listed once
    assert combo.currentData() == ens and combo.count() == 5
    window.evaluatePage.evalModelCombo.refresh(window.weights_dir)  # each page has its own box
    assert window.evaluatePage.evalModelCombo.findData(ens) < 0
    shutil.rmtree(b)
    page.refresh_models()
    assert combo.findData(ens) < 0 and combo.currentData() in (a, c)


def test_export_model_with_an_ensemble_chosen_says_it_exports_one_of_its_runs(window, qtbot):
    from gui.window.export_model_dialog import open_export_model_dialog

    a, b = _runs(window, "a", "b")
    window.predictPage.choose_ensemble([b, a])
    open_export_model_dialog(window)
    dialog = window.export_model_dialog
    try:
        assert dialog.runCombo.currentData() == b  # the ensemble's first run, not whichever run is listed first
        assert "ensemble of 2 runs" in dialog.statusLabel.text() and "calibrated" in dialog.statusLabel.text()
    finally:
        dialog.reject()
