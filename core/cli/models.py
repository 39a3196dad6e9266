"""MODEL... before the photos: ``catdog predict RUN_A RUN_B DIR`` and ``catdog eval RUN_A RUN_B [DATA]``.

The first argument is always a model; the ones after it are models too while they look like one
(a run folder, its model.safetensors, ``imagenet:ARCH``); the rest are photos or the data folder.
"""

from __future__ import annotations

from pathlib import Path

from core.errors import InputError
from core.runs.layout import IMAGENET_PREFIX, MODEL_FILE, looks_like_run


def names_a_model(arg: str) -> bool:
    path = Path(arg).expanduser()
    return arg.startswith(IMAGENET_PREFIX) or (path.is_dir() and looks_like_run(path)) or \
        (path.name == MODEL_FILE and path.is_file())


def split_models(values: list[str]) -> tuple[list[str], list[str]]:
    """(models, the rest): the leading arguments that name models, at least the first."""
    n = 1
    while n < len(values) and names_a_model(values[n]):
        n += 1
    return values[:n], values[n:]


def models_then_photos(values: list[str]) -> tuple[list[str], list[str]]:
    models, photos = split_models(values)
    late = next((p for p in photos if names_a_model(p)), None)
    if late is not None:  # it would be searched for photos, and the ensemble silently one run short
        raise InputError(f"{late} is a run, given after the photos: name every model first "
                         "(catdog predict MODEL [MODEL...] IMAGE_OR_DIR...)")
    if not photos:
        raise InputError(f"no photos given after the model{'s' if len(models) > 1 else ''} "
                         f"{' '.join(models)}: catdog predict MODEL [MODEL...] IMAGE_OR_DIR...")
    return models, photos


def models_then_data(values: list[str]) -> tuple[list[str], str | None]:
    models, rest = split_models(values)
    if len(rest) > 1:
        raise InputError(f"{rest[0]} is not a run folder and {rest[1]} follows it: "
                         "catdog eval MODEL [MODEL...] [DATA] takes one data folder, last")
    return models, (rest[0] if rest else None)
