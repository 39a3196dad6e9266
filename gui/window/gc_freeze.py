"""Move long-lived objects out of the garbage collector's sight, once per process and stage.

Full collections scan every live object while holding the GIL: with torch, Qt and pyqtgraph
loaded that froze the window for ~230 ms. The objects of start-up (and of torch's import) live
as long as the app, so ``gc.freeze()`` them. Only once per stage: a process that builds many
windows (the test suite) would otherwise freeze every closed window too, never collect them,
and leave their timers firing (each new window took longer to build: 0.2 s, then 1.7 s).
"""

from __future__ import annotations

import gc

_frozen: set[str] = set()


def freeze_once(stage: str) -> bool:
    """``gc.freeze()`` the first time ``stage`` ("window", "torch") is reached; True if it froze now."""
    if stage in _frozen:
        return False
    _frozen.add(stage)
    gc.freeze()
    return True
