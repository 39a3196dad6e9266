"""Find an architecture's stages generically, from its module tree, and name what they hold.

No code per architecture: the top-level children are the units; a container of
containers (timm's ``blocks``) or of single layers (VGG's ``features``) is opened one level.
A unit with two or more conv/linear layers is a *block* unit (a ResNet layer, an Inception
module, an EfficientNet stage); the rest are *layers*. Layers before the first block are the
stem, those after the last one the head; nets without blocks (LeNet, VGG) are split at their
pooling layers, or one row per conv. Consecutive blocks named ``inception3a``, ``inception3b``
share a row. What a block does (shortcut or not, bottleneck, groups, depthwise, parallel
branches) is read from its layers and from the operations it ran (``BlockTrace``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise

from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.conv import _ConvNd

PROJECTION_NAMES = ("downsample", "shortcut", "proj", "conv_skip", "skip")


@dataclass
class Unit:
    name: str
    module: nn.Module
    kind: str  # "block" or "layer"
    blocks: list[nn.Module] = field(default_factory=list)  # what a block unit repeats


@dataclass
class Group:
    """One row: a title, what kind of row it is, and the units it sums."""
    title: str
    kind: str  # stem, stage, layers, head, unused
    units: list[Unit]


@dataclass
class BlockTrace:
    """What one block did in the forward pass: same-shape additions (shortcuts), concatenations."""
    adds: int = 0
    cats: int = 0


def weighted(module: nn.Module) -> list[nn.Module]:
    return [m for m in module.modules() if isinstance(m, (_ConvNd, nn.Linear))]


def _is_container(m: nn.Module) -> bool:
    return isinstance(m, (nn.Sequential, nn.ModuleList)) and len(m) > 0


def _expand(name: str, m: nn.Module) -> list[tuple[str, nn.Module]]:
    children = list(m.named_children()) if _is_container(m) else []
    if children and (all(_is_container(c) for _, c in children) or all(len(weighted(c)) <= 1 for _, c in children)):
        return [pair for n, c in children for pair in _expand(f"{name}.{n}", c)]
    return [(name, m)]


def discover_units(model: nn.Module) -> list[Unit]:
    """The model's units in registration order, each a block unit or a layer."""
    units = []
    for top, child in model.named_children():
        for name, m in _expand(top, child):
            if len(weighted(m)) >= 2:
                blocks = [c for c in m.children() if len(weighted(c)) >= 2] if _is_container(m) else [m]
                units.append(Unit(name, m, "block", blocks or [m]))
            else:
                units.append(Unit(name, m, "layer"))
    return units


def _pretty(name: str) -> str:
    return f"stage {name}" if name[:1].isdigit() else name


def _is_pool(m: nn.Module) -> bool:
    n = type(m).__name__
    return "Pool" in n and "Adaptive" not in n


def _merge_key(u: Unit) -> tuple[str, str] | None:
    match = re.fullmatch(r"(.*\d)[a-z]", u.name)
    return (match.group(1), type(u.module).__name__) if match else None


def group_units(order: list[Unit], unused: list[Unit]) -> list[Group]:
    """Rows from the units in the order the forward pass called them, plus those it never called."""
    blocks = [i for i, u in enumerate(order) if u.kind == "block"]
    groups: list[Group] = []
    if blocks:
        first, last = blocks[0], blocks[-1]
        if first:
            groups.append(Group("stem", "stem", order[:first]))
        i = first
        while i <= last:
            u = order[i]
            if u.kind == "block":
                j, key = i + 1, _merge_key(u)
                while key and j <= last and order[j].kind == "block" and _merge_key(order[j]) == key:
                    j += 1
                groups.append(Group(key[0] if j - i > 1 else _pretty(u.name), "stage", order[i:j]))
            else:
                j = i
                while order[j].kind == "layer":
                    j += 1
                names = [x.name for x in order[i:j]]
                groups.append(Group(" + ".join(names) if len(names) <= 2 else f"{names[0]} … {names[-1]}",
                                    "layers", order[i:j]))
            i = j
        if last + 1 < len(order):
            groups.append(Group("head", "head", order[last + 1:]))
    else:
        groups += _plain_groups(order)
    return groups + [Group(_pretty(u.name), "unused", [u]) for u in unused]


def _plain_groups(order: list[Unit]) -> list[Group]:
    """A net of single layers: conv blocks ending at each pooling layer, or one row per conv."""
    convs = [i for i, u in enumerate(order) if any(isinstance(m, _ConvNd) for m in u.module.modules())]
    if not convs:
        return [Group(_pretty(u.name), "layers", [u]) for u in order]
    end = convs[-1] + 1
    while end < len(order) and not weighted(order[end].module) and (
            _is_pool(order[end].module) or isinstance(order[end].module, (_BatchNorm, nn.ReLU))):
        end += 1
    body, groups, current = order[:end], [], []
    pooled = any(_is_pool(u.module) for u in body)
    for u in body:
        if current and not pooled and weighted(u.module) and any(weighted(x.module) for x in current):
            groups.append(current)
            current = []
        current.append(u)
        if pooled and _is_pool(u.module):
            groups.append(current)
            current = []
    if current:
        groups.append(current)
    rows = []
    for k, g in enumerate(groups, 1):
        named = [u for u in g if weighted(u.module)]
        title = _pretty(named[0].name) if len(named) == 1 else f"conv block {k}"
        rows.append(Group(title, "layers", g))
    if end < len(order):
        rows.append(Group("head", "head", order[end:]))
    return rows


def layer_desc(m: nn.Module) -> str:
    """A few characters per layer: Conv 7×7/2, BN, MaxPool 3×3/2, FC 512→2."""
    if isinstance(m, _ConvNd):
        k, s = m.kernel_size[0], m.stride[0]
        kind = "DWConv" if m.groups > 1 and m.groups == m.in_channels else "Conv"
        return f"{kind} {k}×{k}" + (f"/{s}" if s > 1 else "") + (f" g={m.groups}" if 1 < m.groups < m.in_channels else "")
    if isinstance(m, nn.Linear):
        return f"FC {m.in_features}→{m.out_features}"
    if isinstance(m, _BatchNorm):
        act = getattr(m, "act", None)
        return "BN" + (f"+{type(act).__name__}" if isinstance(act, nn.Module) and not isinstance(act, nn.Identity)
                       else "")
    name = type(m).__name__
    if "Pool" in name and not list(m.children()):
        out = getattr(m, "output_size", None)
        if out is not None:
            return "GlobalAvgPool" if out in (1, (1, 1)) else f"AdaptiveAvgPool {out if isinstance(out, int) else out[0]}"
        k, s = getattr(m, "kernel_size", 0), getattr(m, "stride", 0)
        k, s = (k[0] if isinstance(k, tuple) else k), (s[0] if isinstance(s, tuple) else s)
        return f"{name.replace('2d', '')} {k}×{k}" + (f"/{s}" if s and s > 1 else "")
    children = [c for c in m.children() if not isinstance(c, nn.Identity)]
    if children:
        return "+".join(filter(None, (layer_desc(c) for c in children)))
    return "" if isinstance(m, nn.Identity) else name


def layers_text(units: list[Unit]) -> str:
    return " → ".join(filter(None, (layer_desc(u.module) for u in units)))


def block_type(units: list[Unit]) -> tuple[str, int]:
    """("BasicBlock", 2), or for a mix, the classes in order with their counts."""
    names = Counter(type(b).__name__ for u in units for b in u.blocks)
    text = ", ".join(n if c == sum(names.values()) else f"{c}× {n}" for n, c in names.items())
    return text, sum(names.values())


def _projection(block: nn.Module, chained: bool) -> list[nn.Module]:
    """The shortcut's own convs: a named projection, or (``chained``) a 1×1 conv fed by the block's
    input rather than by the conv before it (the d2l ``Residual``'s ``conv3``)."""
    found = [getattr(block, n) for n in PROJECTION_NAMES if isinstance(getattr(block, n, None), nn.Module)
             and weighted(getattr(block, n))]
    if chained and not found:
        convs = [m for m in block.modules() if isinstance(m, _ConvNd)]
        found = [c for prev, c in pairwise(convs) if c.kernel_size[0] == 1 and
                 c.in_channels == convs[0].in_channels != prev.out_channels]
    return found


def _main_path_convs(block: nn.Module, chained: bool = True) -> list[_ConvNd]:
    skip = {id(m) for p in _projection(block, chained) for m in p.modules()}
    return [m for m in block.modules() if isinstance(m, _ConvNd) and id(m) not in skip]


def block_features(blocks: list[nn.Module], traces: list[BlockTrace]) -> dict:
    """What these blocks do, as numbers: their body, groups, branches and shortcuts."""
    f: dict = {}
    cats = any(t.cats for t in traces)
    convs = _main_path_convs(blocks[0], not cats)
    ks = [c.kernel_size[0] for c in convs]
    if len(convs) == 3 and ks[0] == ks[2] == 1 and convs[1].groups == convs[1].in_channels > 1:
        f["body"] = ("inverted", convs[0].out_channels // max(1, convs[0].in_channels), ks[1])
    elif len(convs) == 3 and ks[0] == ks[2] == 1 and convs[1].out_channels < convs[2].out_channels:
        f["body"] = ("bottleneck", ks[1], convs[2].out_channels // convs[1].out_channels)
    elif len(convs) == 2 and ks[1] == 1 and convs[0].groups == convs[0].in_channels > 1:
        f["body"] = ("dwsep", ks[0])
    elif ks and all(k == ks[0] for k in ks) and not cats:
        f["body"] = ("convs", len(convs), ks[0])
    grouped = {(c.groups, c.kernel_size[0]) for b in blocks for c in _main_path_convs(b, not cats) if 1 < c.groups < c.in_channels}
    if grouped:
        f["groups"] = sorted(grouped)
    if cats:
        f["branches"] = (sum(1 for c in blocks[0].children() if weighted(c)), sorted(set(ks)))
    f["shortcut"] = (sum(1 for t in traces if t.adds), len(blocks),
                     [i for i, b in enumerate(blocks, 1) if _projection(b, not cats)])
    f["se"] = any("SqueezeExcit" in type(m).__name__ or type(m).__name__ == "SEModule"
                  for b in blocks for m in b.modules())
    return f


def _k(ks) -> str:
    return "/".join(f"{k}×{k}" for k in sorted(set(ks)))


def _body(kind: str, values: list[tuple]) -> str:
    if kind == "bottleneck":
        return f"bottleneck: 1×1 reduce → {_k(v[1] for v in values)} → 1×1 expand ×{'/'.join(sorted({str(v[2]) for v in values}))}"
    if kind == "inverted":
        return (f"inverted residual: 1×1 expand ×{'/'.join(sorted({str(v[1]) for v in values}))} → depthwise "
                f"{_k(v[2] for v in values)} → 1×1 project")
    if kind == "dwsep":
        return f"depthwise-separable: depthwise {_k(v[1] for v in values)} → 1×1"
    return f"{'/'.join(sorted({str(v[1]) for v in values}))} × {_k(v[2] for v in values)} conv per block"


def describe(features: list[dict], net_has_shortcuts: bool, whole_net: bool = False) -> str:
    """One line for a stage (one features dict) or the whole net (all its stages')."""
    parts = []
    kinds: dict[str, list[tuple]] = {}
    for f in features:
        if "body" in f:
            kinds.setdefault(f["body"][0], []).append(f["body"])
    parts += [_body(kind, values) for kind, values in kinds.items()]
    grouped = sorted({g for f in features for g in f.get("groups", [])})
    if grouped:
        parts.append(f"grouped {_k(k for _, k in grouped)} conv, groups={'/'.join(sorted({str(g) for g, _ in grouped}))}"
                     " (cardinality)")
    branches = [f["branches"] for f in features if "branches" in f]
    if branches:
        n = "/".join(sorted({str(b[0]) for b in branches}))
        parts.append(f"{n} parallel branches ({_k(k for b in branches for k in b[1])}) concatenated")
    if any(f.get("se") for f in features):
        parts.append("squeeze-and-excitation")
    adds, n = (sum(f["shortcut"][i] for f in features) for i in range(2))
    proj = [i for f in features for i in f["shortcut"][2]]
    if adds == n and adds:
        parts.append(("identity shortcuts" + (", a 1×1 projection where the shape changes" if proj else ""))
                     if whole_net else "shortcut in every block" +
                     (f" (block {', '.join(map(str, proj))}: 1×1 projection)" if proj else " (identity)"))
    elif adds:
        parts.append("shortcuts where the shape is kept" if whole_net else
                     f"shortcut in {adds} of {n} blocks (where the shape is kept)")
    elif not branches:
        parts.append("no shortcut here (the shape changes)" if net_has_shortcuts else
                     "no shortcuts: a plain net" if whole_net else "no shortcut (plain)")
    return "; ".join(parts)
