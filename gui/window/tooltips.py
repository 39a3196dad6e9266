"""What each control does to time and accuracy, in one or two sentences, shown on hover.

Kept in one table so that the words are consistent and every control has them; a page's own,
more specific tooltip (set in its module) is never overwritten.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

TIPS = {
    "dataPathEdit": "A folder of cat.N.jpg / dog.N.jpg photos, or one sub-folder per class. You can also drop a "
                    "folder on the window.",
    "valSplitSpin": "The share of each class kept aside to measure accuracy on photos the model never trains on. "
                    "More gives a steadier number, less leaves more photos to learn from.",
    "archCombo": "The network to train. Bigger networks learn more but take longer per epoch; hover an item for "
                 "what is special about it.",
    "epochsSpin": "How many times training goes through every photo. Time grows in proportion; from ImageNet a "
                  "few epochs are enough, from scratch 10-30.",
    "batchSizeSpin": "Photos per step. Larger batches use more memory and give smoother steps; 32 is a good "
                     "default on a CPU.",
    "lrSpin": "How big each step is (the peak of the schedule). Too high and the loss jumps about, too low and it "
              "falls slowly; 0.001 suits AdamW.",
    "optimizerCombo": "How the weights are updated: AdamW works well with little tuning; SGD with momentum, as in "
                      "the ResNet paper, often needs more epochs.",
    "trainButton": "Start training (Ctrl+T). Every epoch is saved; a stopped run can be resumed.",
    "stopButton": "Stop training (Esc). The run is saved and can be resumed later.",
    "resumeButton": "Continue a stopped run, or train a finished one for more epochs.",
    "modelCombo": "A run you trained, an ensemble of runs (Ensemble…), or the ImageNet classifier itself (no training).",
    "dropZone": "Drop photos or a folder here to classify them.",
    "exportCsvButton": "Write the competition CSV (1 = dog, 0 = cat) for the photos above (Ctrl+E).",
    "cancelPredictButton": "Stop classifying (Esc); the photos done so far stay in the table.",
}


def apply_tooltips(root: QWidget) -> int:
    """Give every named control under ``root`` its tip unless it has one; returns how many were set."""
    count = 0
    for name, text in TIPS.items():
        for widget in root.findChildren(QWidget, name):
            if not widget.toolTip():
                widget.setToolTip(text)
                count += 1
    return count
