"""Look inside an architecture: one row per stage with its blocks, output shape, parameters, FLOPs.

Everything is measured from the real model on the meta device (no memory, no weights): one
forward pass of a single image under the same thread-local torch.utils.flop_counter as
``catdog archs`` (core.models.stats), with a label pushed per stage by hooks on this
model's own modules. So the stages' FLOPs add up to exactly the ``archs`` total, and their
parameters to the model's. Stages are found generically (core.explore.stages), so an
architecture added to the registry later gets sensible rows with no code here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from core.models.registry import get_arch

OUTSIDE = "(outside any layer)"


@dataclass
class Stage:
    name: str
    kind: str  # stem, stage, layers, head, unused, other
    block: str  # block class, or the layers in order
    blocks: int  # blocks in a stage; conv/linear layers in the other rows
    output: list[int] | None  # output shape of one image (C, H, W), None when never run
    params: int
    flops: int
    note: str = ""


@dataclass
class Exploration:
    arch: str
    image_size: int
    num_classes: int
    description: str
    special: str  # one line: what is special about this architecture
    stages: list[Stage] = field(default_factory=list)
    params: int = 0
    flops: int = 0

    @property
    def gflops(self) -> float:
        return self.flops / 1e9  # the very expression of core.models.stats.complexity

    def to_dict(self) -> dict:
        d = asdict(self)
        d["gflops"] = self.gflops
        return d


def shape_text(shape) -> str:
    """64×56×56, or - for a stage that never ran."""
    return "×".join(map(str, shape)) if shape else "-"


def _shape(out) -> list[int] | None:
    shape = getattr(out, "shape", None)
    return list(shape[1:]) if shape is not None else None


def _recorders(counter_ref: list, traces: dict):
    """Raw flop 'formulas' for add and cat that count nothing and note which blocks ran them."""
    import torch

    def note(attr: str):
        def record(*args, out_val=None, **kwargs) -> int:
            a, b = (args + (None, None))[:2]
            if attr == "cats" or (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)
                                  and a.dim() >= 2 and a.shape == b.shape):
                for label in counter_ref[0].mod_tracker.parents:
                    if label in traces:
                        setattr(traces[label], attr, getattr(traces[label], attr) + 1)
            return 0
        record._get_raw = True
        return record

    aten = torch.ops.aten
    return {aten.add: note("adds"), aten.add_: note("adds"), aten.cat: note("cats")}


def _hook(module, label: str, parents: set, seen: dict | None = None, shapes: dict | None = None,
          inputs: dict | None = None) -> list:
    def pre(_m, args):
        parents.add(label)
        if seen is not None and label not in seen:
            seen[label] = len(seen)
            inputs[label] = _shape(args[0]) if args else None

    def post(_m, _args, out):
        parents.discard(label)
        if shapes is not None:
            shapes[label] = _shape(out)

    return [module.register_forward_pre_hook(pre), module.register_forward_hook(post)]


def explore(key: str, image_size: int = 224, num_classes: int = 2) -> Exploration:
    """The stage table of ``key`` at ``image_size`` (InputError for an unknown key or a bad size)."""
    from core.errors import InputError
    from core.explore import stages as st
    from core.models.registry import UnknownArchitecture
    from core.models.stats import build_meta, check_image_size, run_counted, thread_local_flop_counter

    try:
        spec = get_arch(key)
    except UnknownArchitecture as exc:
        raise InputError(str(exc)) from None
    check_image_size(key, image_size)
    model = build_meta(key, num_classes)
    units = st.discover_units(model)
    traces: dict[str, st.BlockTrace] = {}
    counter_ref: list = []
    counter = thread_local_flop_counter(_recorders(counter_ref, traces))
    counter_ref.append(counter)
    parents, seen, shapes, inputs, handles = counter.mod_tracker.parents, {}, {}, {}, []
    block_labels: dict[str, list[str]] = {}
    for u in units:
        handles += _hook(u.module, u.name, parents, seen, shapes, inputs)
        block_labels[u.name] = []
        for i, b in enumerate(u.blocks):
            label = u.name if b is u.module else f"{u.name}#{i}"
            traces[label] = st.BlockTrace()
            block_labels[u.name].append(label)
            if b is not u.module:
                handles += _hook(b, label, parents)
    try:
        run_counted(model, image_size, counter, key)
    finally:
        for h in handles:
            h.remove()
    flops = {label: sum(c.values()) for label, c in counter.flop_counts.items()}
    order = sorted((u for u in units if u.name in seen), key=lambda u: seen[u.name])
    groups = st.group_units(order, [u for u in units if u.name not in seen])

    net_has_shortcuts = any(t.adds for t in traces.values())
    rows, counted, features = [], set(), []
    for g in groups:
        params = 0
        for u in g.units:
            for p in u.module.parameters():
                if id(p) not in counted:
                    counted.add(id(p))
                    params += p.numel()
        out, note = _output(g, order, shapes, inputs)
        if g.kind == "stage":
            block, n = st.block_type(g.units)
            f = st.block_features([b for u in g.units for b in u.blocks],
                                  [traces[label] for u in g.units for label in block_labels[u.name]])
            features.append(f)
            note = st.describe([f], net_has_shortcuts)
        else:
            block, n = st.layers_text(g.units), sum(len(st.weighted(u.module)) for u in g.units)
            note = "; ".join(filter(None, (_layer_note(g, image_size, out), note)))
        rows.append(Stage(g.title, g.kind, block or "-", n, out, params,
                          sum(flops.get(u.name, 0) for u in g.units), note))
    total_flops = int(counter.get_total_flops())
    rest_params = sum(p.numel() for p in model.parameters() if id(p) not in counted)
    rest_flops = total_flops - sum(r.flops for r in rows)
    if rest_params or rest_flops:
        rows.append(Stage(OUTSIDE, "other", "-", 0, None, rest_params, rest_flops,
                          "parameters or operations of the model's own forward code"))
    special = st.describe(features, net_has_shortcuts, whole_net=True) if features else _plain(rows)
    return Exploration(key, image_size, num_classes, spec.description, special, rows,
                       sum(r.params for r in rows), total_flops)


def _output(g, order: list, shapes: dict, inputs: dict) -> tuple[list[int] | None, str]:
    """The row's output shape; where the forward code pools between two layers, what the next one gets."""
    last = g.units[-1]
    out = shapes.get(last.name)
    later = [u for u in order if u.name in inputs and order.index(u) > order.index(last)] if last in order else []
    nxt = inputs.get(later[0].name) if later else None
    if out and nxt and len(out) == len(nxt) == 3 and out != nxt and out[0] == nxt[0]:
        return nxt, f"then {nxt[1]}×{nxt[2]} after pooling in the model's forward code"
    return out, ""


def _layer_note(g, image_size: int, out: list[int] | None) -> str:
    if g.kind == "unused":
        return "not run at inference: only used while training (e.g. an auxiliary classifier)"
    if g.kind == "stem" and out and len(out) == 3:
        return f"{image_size}×{image_size} px → {out[1]}×{out[2]} before the first block"
    if g.kind == "head" and out and len(out) == 1:
        return f"features → {out[0]} class scores"
    return ""


def _plain(rows: list[Stage]) -> str:
    convs = sum(r.block.count("Conv ") for r in rows)
    fcs = sum(r.block.count("FC ") for r in rows)
    return f"a plain stack of {convs} conv and {fcs} fully connected layers: no blocks, no shortcuts"
