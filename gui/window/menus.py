"""The menu bar and keyboard shortcuts: File, View, Help, as a desktop app has them.

Every action calls a method the window or a page already has, so a menu item and the button
beside it can never do different things. Shortcuts use Qt's standard keys where one exists
(Quit), and the window-wide ones the DESIGN fixes: Ctrl+O, Ctrl+T, Ctrl+E, Esc, Ctrl+1..N.
An action that cannot work now is greyed out, and its shortcut says why instead of doing nothing.
"""

from __future__ import annotations

import platform
import sys
from importlib import metadata

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QShortcut
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox

from gui.window.doctor_dialog import open_doctor_dialog
from gui.window.export_model_dialog import open_export_model_dialog
from gui.window.theme import THEMES, apply_theme

THEME_KEY = "theme"
TRAINING_BUSY = "A run is training: Start training is back when it ends (Esc stops it; the run can be resumed)"


def _action(window: QMainWindow, name: str, text: str, slot, shortcut=None, tip: str = "") -> QAction:
    action = QAction(text, window)
    action.setObjectName(name)
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    if tip:
        action.setStatusTip(tip)
        action.setToolTip(tip)
    action.triggered.connect(lambda _checked=False: slot())
    window.addAction(action)  # shortcuts work even while the menu bar is hidden (macOS full screen)
    return action


def build_menus(window) -> dict[str, QAction]:
    """Adds File, View and Help to ``window`` (a MainWindow); returns its actions by object name."""
    bar = window.menuBar()
    acts: dict[str, QAction] = {}

    def add(menu, *args, **kw) -> QAction:
        action = _action(window, *args, **kw)
        menu.addAction(action)
        acts[action.objectName()] = action
        return action

    file_menu = bar.addMenu("&File")
    file_menu.setObjectName("fileMenu")
    add(file_menu, "openDataAction", "Open training folder…", lambda: _show_page(window, window.dataPage,
        window.dataPage.browse), QKeySequence.StandardKey.Open, "Choose the folder of photos to train on")
    add(file_menu, "openTestAction", "Open test folder…", lambda: _show_page(window, window.predictPage,
        window.predictPage.open_folder), None, "Classify every photo in a folder")
    add(file_menu, "openRunsAction", "Open runs folder…", lambda: choose_runs_folder(window), None,
        "Where runs are saved and listed")
    file_menu.addSeparator()
    train = add(file_menu, "trainAction", "Start training", window.start_training, "Ctrl+T",
                "Train the chosen architecture on the training folder")
    busy = QShortcut(train.shortcut(), window)  # only while Start training is greyed out: says why
    busy.setObjectName("trainBusyShortcut")
    busy.setContext(Qt.ShortcutContext.WindowShortcut)
    busy.setEnabled(False)
    busy.activated.connect(window.start_training)  # which answers TRAINING_BUSY
    add(file_menu, "stopAction", "Stop…", lambda: confirm_stop(window), Qt.Key.Key_Escape,
        "Stop training (the run is saved and can be resumed) or cancel a prediction")
    file_menu.addSeparator()
    add(file_menu, "exportCsvAction", "Export submission CSV…", window.export_csv, "Ctrl+E",
        "Write the competition CSV of the photos classified on the Predict page")
    add(file_menu, "exportModelAction", "Export model…", lambda: open_export_model_dialog(window), "Ctrl+Shift+E",
        "Write a trained run as an ONNX, .pt2 or TorchScript file that runs without this app")
    file_menu.addSeparator()
    add(file_menu, "quitAction", "Quit", window.close, QKeySequence.StandardKey.Quit)

    view_menu = bar.addMenu("&View")
    view_menu.setObjectName("viewMenu")
    for i in range(window.tabs.count()):
        name = window.tabs.tabText(i).split("·")[-1].strip()
        add(view_menu, f"page{i + 1}Action", name, lambda i=i: window.tabs.setCurrentIndex(i), f"Ctrl+{i + 1}")
    view_menu.addSeparator()
    theme_menu = view_menu.addMenu("Theme")
    theme_menu.setObjectName("themeMenu")
    group = QActionGroup(window)
    current = window.settings.value(THEME_KEY, "system")
    for theme in THEMES:
        action = add(theme_menu, f"theme{theme.title()}Action", theme.title(), lambda t=theme: set_theme(window.settings, t))
        action.setCheckable(True)
        action.setChecked(theme == current)
        group.addAction(action)

    help_menu = bar.addMenu("&Help")
    help_menu.setObjectName("helpMenu")
    add(help_menu, "shortcutsAction", "Keyboard shortcuts", lambda: show_shortcuts(window, acts),
        QKeySequence.StandardKey.HelpContents)
    add(help_menu, "doctorAction", "Check my setup", lambda: open_doctor_dialog(window), None,
        "PyTorch, the GPU (and why it is not used), CPU, Qt libraries, disk, memory: as catdog doctor prints them")
    add(help_menu, "aboutAction", "About CatDog Studio", lambda: show_about(window))
    return acts


def set_training(window, running: bool) -> None:
    """Start training (menu and Ctrl+T) is greyed out while a run trains, and back when it ends."""
    window.actions_by_name["trainAction"].setEnabled(not running)
    window.findChild(QShortcut, "trainBusyShortcut").setEnabled(running)
    if not running:
        window.statusLine.clear_error("busy")  # "a run is training" is out of date


def _show_page(window, page, then) -> None:
    window.tabs.setCurrentWidget(page)
    then()


def set_theme(settings: QSettings, name: str) -> str:
    applied = apply_theme(name)
    settings.setValue(THEME_KEY, applied)
    return applied


def choose_runs_folder(window) -> None:
    folder = QFileDialog.getExistingDirectory(window, "Runs folder", window.weights_dir)
    if folder:
        window.set_weights_dir(folder)


def confirm_stop(window) -> None:
    """Esc: cancel a prediction at once; stopping a training run asks first."""
    if window.predict_job is not None and window.predict_job.is_running():
        window.cancel_prediction()
        return
    if window.train_job is None or not window.train_job.is_running():
        return
    box = QMessageBox(QMessageBox.Icon.Question, "Stop training?",
                      "Stop training now? The run is saved at the last finished batch and can be resumed "
                      "(Resume run…).", QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, window)
    box.setObjectName("stopConfirmBox")
    box.setDefaultButton(QMessageBox.StandardButton.No)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.accepted.connect(window.stop_training)  # Yes is an accept role
    box.open()
    window.stop_box = box


def show_shortcuts(window, acts: dict[str, QAction]) -> None:
    rows = "".join(f"<tr><td><b>{a.shortcut().toString(QKeySequence.SequenceFormat.NativeText)}</b></td>"
                   f"<td>&nbsp;&nbsp;{a.text().replace('&', '')}</td></tr>"
                   for a in acts.values() if not a.shortcut().isEmpty())
    rows += "<tr><td><b>drag and drop</b></td><td>&nbsp;&nbsp;a folder onto Data to train on it; photos or a " \
            "folder onto Predict to classify them</td></tr>"
    box = QMessageBox(QMessageBox.Icon.NoIcon, "Keyboard shortcuts", f"<table>{rows}</table>",
                      QMessageBox.StandardButton.Close, window)
    box.setObjectName("shortcutsBox")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()


def versions() -> dict[str, str]:
    """Installed versions, read from package metadata so that asking does not import torch."""
    out = {"Python": platform.python_version()}
    for label, dist in (("CatDog Studio", "catdog-studio"), ("PyTorch", "torch"), ("torchvision", "torchvision"),
                        ("timm", "timm"), ("PySide6", "PySide6-Essentials"), ("pyqtgraph", "pyqtgraph")):
        try:
            out[label] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[label] = "not installed"
    from PySide6 import QtCore

    out["Qt"] = QtCore.qVersion()
    return out


def show_about(window) -> None:
    lines = "".join(f"<tr><td>{k}</td><td>&nbsp;&nbsp;{v}</td></tr>" for k, v in versions().items())
    text = (f"<h3>CatDog Studio</h3><p>Learn convolutional networks on the cats-vs-dogs task.</p>"
            f"<table>{lines}<tr><td>Device</td><td>&nbsp;&nbsp;{window.deviceLabel.text()}</td></tr>"
            f"<tr><td>Platform</td><td>&nbsp;&nbsp;{platform.platform(terse=True)} ({sys.platform})</td></tr></table>")
    box = QMessageBox(QMessageBox.Icon.NoIcon, "About CatDog Studio", text, QMessageBox.StandardButton.Close, window)
    box.setObjectName("aboutBox")
    box.setIconPixmap(window.windowIcon().pixmap(64, 64))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
