"""`catdog check` against known answers: a copy of a folder with labels flipped and near-duplicates added.

    python scripts/check_bench.py ../shared/data/dogs-vs-cats-1760 [--flips 20] [--dups 8] [--warm]

Builds (in a temp folder) links to every photo, with --flips of them named as the other class, plus
--dups photos saved again resized to 80% and re-encoded at JPEG quality 70 under new names; runs the
check with an empty feature cache (unless --warm) and prints how many flipped photos are among the 40
most suspicious, how many added pairs were found, and the seconds. No photo of the source is touched.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def build(src: Path, out: Path, flips: int, dups: int, seed: int) -> tuple[set[str], list[tuple[str, str]]]:
    from PIL import Image

    photos = sorted(p for p in src.iterdir() if p.suffix.lower() == ".jpg")
    rng = random.Random(seed)
    flipped = set(p.name for p in rng.sample(photos, flips))
    out.mkdir(parents=True)
    names: dict[str, str] = {}
    for p in photos:
        kind, rest = p.name.split(".", 1)
        if p.name in flipped:
            kind = "dog" if kind == "cat" else "cat"
        name = f"{kind}.{rest}"
        if (out / name).exists():
            name = f"{kind}.9{rest}"
        os.symlink(p.resolve(), out / name)
        names[p.name] = name
    pairs = []
    for k, p in enumerate(rng.sample([p for p in photos if p.name not in flipped], dups)):
        im = Image.open(p).convert("RGB")
        im = im.resize((int(im.width * 0.8), int(im.height * 0.8)))
        kind = p.name.split(".")[0]
        copy = f"{kind}.{90000 + k}.jpg"
        im.save(out / copy, quality=70)
        pairs.append((names[p.name], copy))
    return {names[n] for n in flipped}, pairs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", type=Path)
    ap.add_argument("--flips", type=int, default=20)
    ap.add_argument("--dups", type=int, default=8)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--warm", action="store_true", help="keep the feature cache (default: an empty one)")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="checkbench-"))
    if not args.warm:
        os.environ["CATDOG_CACHE_DIR"] = str(work / "cache")
    flipped, pairs = build(args.data, work / "data", args.flips, args.dups, args.seed)
    from core.check.suspects import check_folder

    t0 = time.perf_counter()
    result = check_folder(work / "data")
    seconds = time.perf_counter() - t0
    top = [s.path.name for s in result.suspects[:40]]
    caught = sum(name in flipped for name in top)
    groups = [{p.name for p in g.paths} for g in result.duplicates]
    found = sum(any({a, b} <= g for g in groups) for a, b in pairs)
    print(f"{result.photos} photos, {args.flips} labels flipped, {args.dups} near-duplicates added; "
          f"{'warm' if args.warm else 'cold'} feature cache")
    print(f"flipped among the 40 most suspicious: {caught} of {args.flips}")
    print(f"added duplicate pairs found: {found} of {args.dups} ({len(result.duplicates)} groups in all)")
    print(f"seconds: {seconds:.1f} (whole check, features included)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
