"""The installed Qt binding must not corrupt Python's reference counts.

PySide6 6.12.0 on Python 3.11 decrements None's reference count on every call of a
void method (QLabel.setText, QProgressBar.setValue, ...): a training session that updates
its progress bar aborts with "none_dealloc" after a few thousand updates. pyproject pins
around it; this test fails if a future install brings such a build back.
"""

import sys

from PySide6.QtWidgets import QLabel, QProgressBar


def test_void_calls_keep_none_refcount(qtbot):
    label, bar = QLabel(), QProgressBar()
    qtbot.addWidget(label)
    qtbot.addWidget(bar)
    before = sys.getrefcount(None)
    for i in range(500):
        label.setText("x")
        bar.setValue(i % 100)
    assert sys.getrefcount(None) - before > -100
