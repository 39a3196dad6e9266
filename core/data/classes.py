"""Class names: matching a folder's classes to a model's, and warning about starved classes.

``cat``, ``Cats`` and ``CATS`` are one class wherever they come from (a flat ``cat.1.jpg``
name or a ``cats/`` folder), so a model trained on one layout evaluates on the other.
"""

from __future__ import annotations

from core.errors import InputError

MIN_PHOTOS = 10  # fewer readable photos than this in a class: too few to learn it
MAX_RATIO = 20  # a class this many times smaller than another: the model learns to ignore it


def canonical(name: str) -> str:
    """'Cats' -> 'cat': lower case, a plural s dropped (not from short names like 'bus')."""
    n = name.strip().lower()
    return n[:-1] if len(n) > 3 and n.endswith("s") and not n.endswith("ss") else n


def match_classes(data_classes: list[str], model_classes: list[str], where: str) -> list[int]:
    """The model's class index for each data class, or InputError naming what does not match."""
    by_name = {c: i for i, c in enumerate(model_classes)}
    canon: dict[str, list[int]] = {}
    for i, c in enumerate(model_classes):
        canon.setdefault(canonical(c), []).append(i)
    mapping, missing = [], []
    for c in data_classes:
        if c in by_name:
            mapping.append(by_name[c])
        elif len(canon.get(canonical(c), [])) == 1:
            mapping.append(canon[canonical(c)][0])
        else:
            missing.append(c)
    if missing:
        raise InputError(f"{where}: class(es) {', '.join(missing)} match none of the known classes "
                         f"({', '.join(model_classes)}; cat, Cats and cats are one class)")
    return mapping


def balance_warnings(readable: dict[str, int]) -> list[str]:
    """One line per class that has too few readable photos, alone or next to the largest class."""
    if not readable:
        return []
    largest_name, largest = max(readable.items(), key=lambda kv: kv[1])
    out = []
    for name, n in readable.items():
        if n < MIN_PHOTOS:
            out.append(f"class {name!r} has only {n} readable photo(s): at least {MIN_PHOTOS} are needed "
                       f"to learn it")
        elif n * MAX_RATIO <= largest:
            out.append(f"class {name!r} has {n} readable photos, {largest // max(n, 1)}x fewer than "
                       f"{largest_name!r} ({largest}): the model may learn to ignore it")
    return out
