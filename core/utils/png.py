"""PNG pictures the command line writes (plots, Grad-CAM panels, feature grids): one font rule, one check of a
``--plot`` target, one atomic save, so no half-written picture is ever left behind."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageFont

from core.errors import InputError
from core.utils.atomic import atomic_path


def font(size: int):
    """Pillow's bundled scalable font at ``size`` px (one fixed size on a Pillow without FreeType or < 10.1)."""
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError, ImportError):
        return ImageFont.load_default()


def plot_target(path: str | Path, flag: str = "--plot") -> Path:
    """The file a ``--plot`` flag names, checked before any work: a .png in an existing folder."""
    target = Path(path).expanduser()
    if target.suffix.lower() != ".png":
        raise InputError(f"{flag} {path}: the file name must end in .png")
    if target.is_dir():
        raise InputError(f"{flag} {path}: is a folder; give a file name ending in .png")
    if not target.parent.is_dir():
        raise InputError(f"{flag} {path}: folder {target.parent} does not exist")
    return target


def save_png(image: Image.Image, path: str | Path, flag: str | None = None) -> Path:
    """Write ``image`` atomically; with ``flag``, a failure is that flag's one-line error."""
    try:
        with atomic_path(path) as tmp:
            image.save(tmp, format="PNG")
    except OSError as exc:
        if flag is None:
            raise
        raise InputError(f"{flag} {path}: cannot write it ({exc.strerror or exc})") from None
    return Path(path)
