"""Frozen-backbone training: pooled ImageNet features computed once, then only a head learns.

With the backbone frozen, its output for a photo never changes, so each photo goes through it
once (and its mirror image once more, the one augmentation that costs nothing to keep); every
epoch after that trains a linear head on cached vectors in milliseconds. Photos stream: a pool of
threads decodes the next batch while the backbone works on this one, and only the pooled vectors
stay (25,000 photos x 2 views x 1,280 floats is 256 MB), never the pixels. The vectors also go to a
disk cache per backbone and photo (``core.data.feature_store``), so the next frozen run on the same
photos (another seed, learning rate or number of epochs) starts in seconds. The head is the model's
own head module, so the run folder still holds one complete network.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.data.augment import cache_side, eval_batch, to_model_input
from core.data.decode import UnreadableImage, decode_square, decode_workers
from core.data.feature_store import DECODE_CHUNK, PHOTOS_PER_BATCH, FeatureStore, photo_key
from core.hardware import autocast
from core.models.heads import without_head
from core.training.batches import seeded_generator
from core.utils.paths import cache_root
from core.utils.versions import model_libraries_tag

ProgressFn = Callable[[int, int], None]
SAVE_EVERY = 4096  # photos: what a killed run loses at most of its computed features


@dataclass
class PhotoFeatures:
    """What a frozen run trains on, aligned with its photo list; ``ok`` and ``failures`` as a PixelCache has them."""

    feats: torch.Tensor  # (N, 2, D) float32: [:, 0] the centre crop, [:, 1] its mirror image; zeros if unreadable
    ok: np.ndarray  # (N,) bool
    failures: list[tuple[Path, str]]
    reused: int = 0  # photos whose features came from the disk cache


def store_for(arch: str, image_size: int, device: torch.device, precision: str) -> FeatureStore:
    """The disk cache of one backbone: its features depend on all of these."""
    name = re.sub(r"[^A-Za-z0-9_.+-]", "_", f"{arch}-{image_size}px-{device.type}-{precision}-{model_libraries_tag()}")
    return FeatureStore(cache_root() / "features" / name)


def _decode(path: Path, side: int) -> np.ndarray | str:
    try:
        return decode_square(path, side)
    except UnreadableImage as exc:
        return str(exc)


@torch.inference_mode()
def stream_features(model: torch.nn.Module, paths: Sequence[Path], *, image_size: int, device: torch.device,
                    precision: str, mean, std, store: FeatureStore | None = None, workers: int | None = None,
                    progress: ProgressFn | None = None, should_stop: Callable[[], bool] | None = None,
                    say: Callable[[str], None] = lambda line: None) -> PhotoFeatures:
    """Features of every photo (InterruptedError when ``should_stop`` says so; what was computed is kept)."""
    n, side = len(paths), cache_side(image_size)
    keys = [photo_key(p) for p in paths]
    holder: list[torch.Tensor] = []

    def make_out(dim: int) -> np.ndarray:
        holder.append(torch.zeros((n, 2, dim)))
        return holder[0].numpy()

    found = store.load(keys, make_out) if store is not None else set()
    todo = [i for i in range(n) if i not in found]
    if found:
        say(f"Reusing the cached features of {len(found):,} of {n:,} photos ({store.folder})"
            + (f"; computing {len(todo):,}" if todo else ""))
    failed: dict[int, str] = {}  # never cached: a photo unreadable today (permissions, a USB drive) may be fine later
    unsaved: list[int] = []

    def save() -> None:
        if store is not None and unsaved:
            store.add([keys[i] for i in unsaved], holder[0][np.array(unsaved, np.int64)].numpy())
        unsaved.clear()

    done = n - len(todo)
    if progress:
        progress(done, n)
    model.eval()
    try:
        with without_head(model), ThreadPoolExecutor(workers or decode_workers(),
                                                     thread_name_prefix="catdog-decode") as pool:
            for chunk, decoded in _decoded_chunks(pool, paths, todo, side, overlap=device.type != "cpu"):
                if should_stop and should_stop():
                    raise InterruptedError("stopped while computing features")
                failed.update((i, d) for i, d in zip(chunk, decoded) if isinstance(d, str))
                good = [(i, d) for i, d in zip(chunk, decoded) if not isinstance(d, str)]
                for start in range(0, len(good), PHOTOS_PER_BATCH):
                    batch = good[start:start + PHOTOS_PER_BATCH]
                    x = eval_batch(torch.from_numpy(np.stack([d for _, d in batch])), image_size)
                    x = to_model_input(torch.cat([x, x.flip(3)]), device, channels_last=True, mean=mean, std=std)
                    with autocast(device, precision):
                        out = model(x).float().cpu()
                    if not holder:
                        make_out(out.shape[1])
                    idx = torch.tensor([i for i, _ in batch])
                    holder[0][idx, 0], holder[0][idx, 1] = out[:len(batch)], out[len(batch):]
                    unsaved.extend(i for i, _ in batch)
                done += len(chunk)
                if len(unsaved) >= SAVE_EVERY:
                    save()
                if progress:
                    progress(done, n)
    finally:
        save()
    ok = np.ones(n, bool)
    ok[list(failed)] = False
    feats = holder[0] if holder else torch.zeros((n, 2, 1))
    return PhotoFeatures(feats, ok, [(Path(paths[i]), failed[i]) for i in sorted(failed)], reused=len(found))


def _decoded_chunks(pool: ThreadPoolExecutor, paths: Sequence[Path], todo: list[int], side: int, overlap: bool
                    ) -> Iterator[tuple[list[int], list]]:
    """(photo positions, their pixels or why not) per chunk, decoded by every core at once. ``overlap`` (a GPU):
    the next chunk decodes while the caller works; on a CPU the network's threads already use every core."""
    chunks = [todo[s:s + DECODE_CHUNK] for s in range(0, len(todo), DECODE_CHUNK)]

    def submit(chunk: list[int]) -> list[Future]:
        return [pool.submit(_decode, Path(paths[i]), side) for i in chunk]

    pending: list[Future] = submit(chunks[0]) if chunks else []
    try:
        for k, chunk in enumerate(chunks):
            decoded = [f.result() for f in pending]
            pending = []
            if overlap and k + 1 < len(chunks):
                pending = submit(chunks[k + 1])
            yield chunk, decoded
            if not overlap and k + 1 < len(chunks):
                pending = submit(chunks[k + 1])
    finally:
        for f in pending:
            f.cancel()


class FeatureBatches:
    """One epoch of (indices, features, labels): seeded shuffle, each photo as is or mirrored."""

    def __init__(self, feats: torch.Tensor, labels: np.ndarray, train_idx: np.ndarray, *, seed: int, epoch: int,
                 batch_size: int, device: torch.device):
        self.feats, self.labels, self.device, self.bs = feats, labels, device, batch_size
        self.order = train_idx[torch.randperm(len(train_idx), generator=seeded_generator(seed, 1, epoch)).numpy()]
        self.views = torch.randint(0, 2, (len(self.order),), generator=seeded_generator(seed, 3, epoch))

    def iterate(self, start: int, steps: int) -> Iterator[tuple[np.ndarray, torch.Tensor, torch.Tensor]]:
        for step in range(start, steps):
            sl = slice(step * self.bs, (step + 1) * self.bs)
            idx = self.order[sl]
            x = self.feats[torch.from_numpy(idx), self.views[sl]].to(self.device)
            y = torch.from_numpy(self.labels[idx]).to(self.device)
            yield idx, x, y


@torch.inference_mode()
def evaluate_head(head: torch.nn.Module, feats: torch.Tensor, labels: np.ndarray, val_idx: np.ndarray,
                  device: torch.device) -> tuple[float, float, torch.Tensor]:
    """Validation loss, accuracy and logits of the head on the (unmirrored) validation features."""
    head.eval()
    logits = head(feats[torch.from_numpy(val_idx), 0].to(device)).float().cpu()
    head.train()
    from core.training.validation import validation_metrics

    return validation_metrics(logits, labels[val_idx])

