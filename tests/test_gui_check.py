"""The Data page's photo check: flipped labels first in suspectsList, keys write catdog-corrections.csv, photos untouched."""

from __future__ import annotations

import csv
import hashlib

import pytest
from conftest import write_flat
from PySide6.QtCore import Qt

pytestmark = pytest.mark.xdist_group(__name__)

CHECK_TIMEOUT_MS = 240_000


def digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.suffix == ".jpg"}


def rows(file):
    with open(file, newline="", encoding="utf-8") as f:
        return [tuple(r) for r in csv.reader(f)][1:]


def select(window, qtbot, name):
    lst = window.dataPage.suspectsList
    row = next(i for i in range(lst.count()) if lst.path_at(i).endswith("/" + name))
    lst.setCurrentRow(row)
    lst.setFocus()
    return lst


def test_check_ranks_flipped_photos_first_and_keys_write_corrections(window, qtbot, tmp_path):
    data = write_flat(tmp_path / "train", 20, size=64)
    flipped = ["dog.101.jpg", "dog.102.jpg"]
    for i, name in zip((1, 2), flipped):
        (data / f"cat.{i}.jpg").rename(data / name)
    before = digest(data)
    window.dataPathEdit.setText(str(data))
    window.dataPathEdit.editingFinished.emit()
    page = window.dataPage
    assert page.dataCheckButton.isEnabled() and page.checkPanel.correctionsLabel.text() == ""
    with qtbot.waitSignal(page.checkFinished, timeout=CHECK_TIMEOUT_MS):
        qtbot.mouseClick(page.dataCheckButton, Qt.MouseButton.LeftButton)
    lst = page.suspectsList
    first = {lst.path_at(i).rsplit("/", 1)[-1] for i in range(2)}
    assert first == set(flipped), [lst.path_at(i) for i in range(min(lst.count(), 6))]
    assert "model says cat" in lst.suspects.index(0).data()
    assert page.dataCheckButton.isEnabled() and not page.checkPanel.cancelButton.isEnabled()

    classes = page.index.classes
    select(window, qtbot, flipped[0])
    qtbot.keyClick(lst, str(classes.index("cat") + 1))  # relabel to cat
    select(window, qtbot, flipped[1])
    qtbot.keyClick(lst, Qt.Key.Key_X)
    file = data / "catdog-corrections.csv"
    assert rows(file) == [(flipped[0], "relabel", "cat"), (flipped[1], "exclude", "")]
    assert "→ cat" in lst.suspects.index(next(i for i in range(lst.count()) if lst.path_at(i).endswith(flipped[0]))).data()
    assert "(2 decisions)" in page.checkPanel.correctionsLabel.text()

    select(window, qtbot, flipped[1])
    qtbot.keyClick(lst, Qt.Key.Key_U)  # undo the exclusion
    assert rows(file) == [(flipped[0], "relabel", "cat")]
    assert "(1 decisions)" in page.checkPanel.correctionsLabel.text()

    page.checkPanel.filterCombo.setCurrentIndex(page.checkPanel.filterCombo.findText("Neither"))
    assert all(lst.suspects.index(i).data(Qt.ItemDataRole.UserRole + 2) == "neither" for i in range(lst.count()))
    assert digest(data) == before  # decisions never touch a photo


def test_cancel_stops_the_check(window, qtbot, tmp_path):
    data = write_flat(tmp_path / "train", 40, size=64)
    window.dataPathEdit.setText(str(data))
    window.dataPathEdit.editingFinished.emit()
    panel = window.dataPage.checkPanel
    qtbot.mouseClick(panel.dataCheckButton, Qt.MouseButton.LeftButton)
    assert panel.cancelButton.isEnabled() and not panel.dataCheckButton.isEnabled()
    qtbot.mouseClick(panel.cancelButton, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.dataCheckButton.isEnabled(), timeout=CHECK_TIMEOUT_MS)
    assert "cancel" in panel.statusLabel.text().lower() and window.dataPage.suspectsList.count() == 0


def test_move_excluded_photos_to_the_trash_asks_then_moves_only_them(window, qtbot, tmp_path, monkeypatch,
                                                                     trash_files):
    from PySide6.QtWidgets import QMessageBox

    from core.data.corrections import default_file, set_decision

    data = write_flat(tmp_path / "train", 6, size=48)
    set_decision(default_file(data), data, ["cat", "dog"], data / "cat.1.jpg", "exclude")
    set_decision(default_file(data), data, ["cat", "dog"], data / "dog.2.jpg", "relabel", "cat")
    page = window.dataPage
    page.set_folder(str(data))
    button = page.checkPanel.trashButton
    assert button.objectName() == "trashExcludedButton" and button.isEnabled()
    asked = []
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: (asked.append(a[2]), QMessageBox.StandardButton.No)[1])
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert "Move the 1 photo(s)" in asked[0] and (data / "cat.1.jpg").exists()  # No: nothing moves
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    kept = {k: v for k, v in digest(data).items() if k != "cat.1.jpg"}
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not (data / "cat.1.jpg").exists() and (trash_files / "cat.1.jpg").exists()
    assert digest(data) == kept and rows(default_file(data)) == [("dog.2.jpg", "relabel", "cat")]
    assert "<b>11</b> image files" in page.summaryLabel.text()  # the folder read again: one photo fewer
    assert "Moved 1 photo(s) to the trash" in page.checkPanel.statusLabel.text() and not button.isEnabled()


def test_decision_keys_are_the_digits_1_to_9_only():
    """'²' (a key of French keyboards) is a digit to str.isdigit but no int: it must not crash the window."""
    from gui.widgets.decisions import key_decision

    classes = ["cat", "dog"]
    assert key_decision("2", classes) == ("relabel", "dog") and key_decision("X", classes) == ("exclude", "")
    assert key_decision("²", classes) is None and key_decision("3", classes) is None
    assert key_decision("0", classes) is None and key_decision("12", classes) is None
