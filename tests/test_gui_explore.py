"""The Explore page and the Train page's augmentation preview, driven in the real window."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import write_flat

from core.data.augment import cache_side, train_batch
from core.data.decode import decode_square
from core.explore.architecture import explore
from core.models.stats import complexity_flops
from core.planning.duration import Rates
from gui.main_window import MainWindow

WAIT_MS = 60_000


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr("gui.pages.train.estimator.cached_rates", lambda *a, **k: Rates(0.5, 5.0))  # no timing runs here
    w = MainWindow(weights_dir=tmp_path / "weights")
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()


def _cells(table, column: int) -> list[str]:
    return [table.item(r, column).text() for r in range(table.rowCount())]


def test_explorer_shows_one_row_per_stage_and_the_archs_totals(window, qtbot):
    page = window.findChild(type(window.explorerPage), "explorerPage")
    combo, table = page.explorerArchCombo, page.explorerTable
    assert combo.objectName() == "explorerArchCombo" and table.objectName() == "explorerTable"
    page.explorerSizeSpin.setValue(64)
    combo.setCurrentIndex(combo.findData("resnet50"))
    with qtbot.waitSignal(page.explored, timeout=WAIT_MS, check_params_cb=lambda arch, rows: arch == "resnet50"):
        window.tabs.setCurrentWidget(page)
    e = explore("resnet50", 64)
    assert table.rowCount() == len(e.stages) == 6
    assert _cells(table, 0) == ["stem", "layer1", "layer2", "layer3", "layer4", "head"]
    assert _cells(table, 1)[1] == "Bottleneck" and _cells(table, 3)[4] == "2048×2×2"
    params, flops = complexity_flops("resnet50", 2, 64)
    assert sum(int(t.replace(",", "")) for t in _cells(table, 4)) == params
    assert f"{params:,} parameters" in page.left.totals.text() and f"{flops / 1e9:.3f} GFLOPs" in page.left.totals.text()
    assert "bottleneck" in page.left.title.text()
    table.selectRow(2)
    assert "1×1 projection" in page.left.detail.text()


def test_explorer_puts_a_second_architecture_beside_the_first(window, qtbot):
    page = window.explorerPage
    window.tabs.setCurrentWidget(page)
    page.explorerSizeSpin.setValue(32)
    page.explorerArchCombo.setCurrentIndex(page.explorerArchCombo.findData("plain18"))
    page.explorerCompareCombo.setCurrentIndex(page.explorerCompareCombo.findData("resnet18"))

    def shown(side, arch: str) -> bool:
        return f"<b>{arch}</b> at 32×32 px" in side.title.text() and "Special" in side.title.text()

    qtbot.waitUntil(lambda: shown(page.left, "plain18") and shown(page.right, "resnet18"), timeout=WAIT_MS)
    assert page.right.isVisible() and page.right.table.objectName() == "explorerCompareTable"
    assert _cells(page.explorerTable, 1)[1] == "PlainBlock" and _cells(page.right.table, 1)[1] == "BasicBlock"
    assert _cells(page.right.table, 3)[4] == "512×1×1"
    assert "no shortcuts" in page.left.title.text() and "identity shortcuts" in page.right.title.text()
    page.explorerCompareCombo.setCurrentIndex(0)
    qtbot.waitUntil(lambda: not page.right.isVisible(), timeout=WAIT_MS)


def test_aug_preview_shows_the_training_crops_and_follows_the_image_size(window, qtbot, tmp_path):
    data = write_flat(tmp_path / "train", per_class=3, size=80)
    preview = window.findChild(type(window.trainPage.augPreview), "augPreview")
    window.dataPathEdit.setText(str(data))
    window.dataPathEdit.editingFinished.emit()
    window.trainPage.startCombo.set_start("scratch")
    window.imageSizeSpin.setValue(48)
    window.tabs.setCurrentWidget(window.trainPage)
    qtbot.waitUntil(lambda: bool(preview.views) and preview.views[0].pixels.shape == (48, 48, 3), timeout=WAIT_MS)
    path, n = preview.paths[preview.index], len(preview.views)
    pixels = torch.from_numpy(decode_square(path, cache_side(48)).copy())[None].expand(n, -1, -1, -1)
    expected = train_batch(pixels, 48, torch.Generator().manual_seed(preview.seed))
    assert all((v.pixels == c.permute(1, 2, 0).numpy()).all() for v, c in zip(preview.views, expected))
    assert preview.cells[0][0].pixmap() is not None and not preview.cells[0][0].pixmap().isNull()

    first = [v.pixels.copy() for v in preview.views]
    with qtbot.waitSignal(preview.previewReady, timeout=WAIT_MS):
        preview.refreshButton.click()  # new draws of the same photo
    assert any(not np.array_equal(a, v.pixels) for a, v in zip(first, preview.views))

    with qtbot.waitSignal(preview.previewReady, timeout=WAIT_MS):
        window.imageSizeSpin.setValue(64)
    assert preview.views[0].pixels.shape == (64, 64, 3) and "64×64" in preview.caption.text()

    with qtbot.waitSignal(preview.previewReady, timeout=WAIT_MS):
        window.trainPage.startCombo.set_start("imagenet-frozen")  # lenet has none: pick one that does
        window.trainPage.set_arch("efficientnet_lite0")
        window.trainPage.startCombo.set_start("imagenet-frozen")
    qtbot.waitUntil(lambda: [v.caption for v in preview.views] == ["centre", "mirrored"], timeout=WAIT_MS)
    assert not preview.refreshButton.isEnabled()  # nothing random to redraw
