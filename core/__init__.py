"""CatDog Studio core: models, data, training, prediction and export, with no UI.

Nothing under ``core`` may import Qt or pyqtgraph; the GUI sits on top of it and the
command line (``catdog``) drives it headless.
"""

__version__ = "0.1.0"
