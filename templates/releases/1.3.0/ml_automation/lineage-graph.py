# =============================================================================
# LINEAGE GRAPH
# =============================================================================

# The lineage of several models as one graph, data version -> features -> experiment -> model: a node
# is shared where models share it (one data version, one feature set), and a missing link is a gap
# node (drawn dashed) that says what is missing. The registry report draws it as SVG, and
# `registry lineage MODEL_ID --mermaid` (or the summary with --mermaid) prints it as a Mermaid
# flowchart, from the same nodes and edges. Built from the registry's own readers (_Snapshot).

import hashlib
import re
from collections.abc import Sequence
from typing import Any, NamedTuple, Optional

LINEAGE_KINDS = ("data", "features", "experiment", "model")
LINEAGE_KIND_LABELS = {"data": "Data version", "features": "Features", "experiment": "Experiment", "model": "Model"}
# Mermaid refuses a diagram of more than 500 edges or 50,000 characters (its maxEdges and maxTextSize
# defaults): a flowchart holds at most this many models (three edges each), the others are named as "N more".
MERMAID_MAX_MODELS = 100
_MERMAID_SHAPES = {"data": ('[("', '")]'), "features": ('[["', '"]]'), "experiment": ('("', '")'), "model": ('(["', '"])')}
# Characters written as Mermaid entity codes (#NN;) inside a quoted label: the quote that would end
# it, the entity sign itself, markup (<, >, &), backticks (a markdown label), the backslash, and '%'
# (`%%{init ...}%%` in a label would be read as a directive: a theme, CSS).
_MERMAID_ESCAPED = re.compile(r"[\"#&<>`\\%]")
# What a terminal, an editor or a page would act on rather than show: control characters (escape
# sequences, the bell), line and paragraph separators, and the bidirectional controls that reorder
# the text around them (an id shown reversed, Trojan Source). One set for every view and the report.
_CONTROL_CHARS = r"\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"
_CONTROL = re.compile(rf"[{_CONTROL_CHARS}]+")  # in one line of plain text: each run shown as a space


class LineageNode(NamedTuple):
    """One node of a lineage graph: `key` (unique in the graph), `kind` (one of LINEAGE_KINDS),
    `title` and `detail` (two lines of plain text, the kind not repeated: see LINEAGE_KIND_LABELS),
    `gap` (what is missing, "" when nothing) and `status` (a model's status, "" for the other kinds)."""

    key: str
    kind: str
    title: str
    detail: str
    gap: str = ""
    status: str = ""


class LineageGraph(NamedTuple):
    """Nodes (in first-seen order), edges (pairs of node keys), the ids of the models drawn, and how
    many of them have a gap in their lineage."""

    nodes: list[LineageNode]
    edges: list[tuple[str, str]]
    models: list[str]
    with_gaps: int


def _one_line(value: Any, width: int) -> str:
    """`value` as one line of plain text of at most `width` characters (control characters and line
    breaks become spaces, unpaired surrogates '?')."""
    text = "" if value is None else str(value)
    text = text.encode("utf-8", "replace").decode("utf-8", "replace")
    text = _CONTROL.sub(" ", text).strip()
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def _metric_text(entry: Entry, task_type: Any) -> str:
    """'rmse 54.21 (test)', 'f1 0.96501 (weighted, test)': the primary metric of `task_type` in
    `entry`'s headline metrics, its value before its labels (a narrow node cuts the end), or ''."""
    metric, split, value = primary_value(entry, task_type)
    if metric is None or value is None:
        return ""
    return f"{metric} {number_text(value)} {metric_label(metric, split)[len(metric) + 1:]}"


def _lineage_nodes(snapshot: "_Snapshot", model: Entry, status: str) -> tuple[list[LineageNode], dict[str, Any]]:
    """The four nodes (data, features, experiment, model) of one model's lineage, and the lineage."""
    lineage = snapshot.lineage(model)
    model_id = str(model.get("model_id"))
    experiment, version = lineage["experiment"], lineage["data_version"]
    fingerprint = model.get("data_fingerprint") or _as_dict(_as_dict(experiment).get("dataset")).get("fingerprint")
    if version is not None:
        rows = version.get("rows")
        detail = f"sha256:{_one_line(str(version.get('fingerprint', '')).replace('sha256:', '')[:12], 12)}" + (f" · {_one_line(rows, 14)} rows" if rows is not None else "")
        data = LineageNode(f"data:{version.get('fingerprint')}", "data", _one_line(version.get('source_path') or '?', 60), detail)
    elif fingerprint:
        data = LineageNode(f"data-gap:{fingerprint}", "data", "not recorded", _one_line(fingerprint, 40), f"data version {_one_line(fingerprint, 80)} is not recorded")
    else:
        data = LineageNode(f"data-gap:{model_id}", "data", "not recorded", "no fingerprint", "no data fingerprint on the model or its experiment")
    names = [str(name) for name in _as_list(model.get("feature_set"))]
    missing = lineage["missing_features"]
    if names:
        digest = hashlib.sha256("\x00".join(sorted(set(names))).encode("utf-8", "replace")).hexdigest()[:16]
        title = f"{len(names) - len(missing)} of {len(names)} in the store" if missing else f"{len(names)} registered"
        shown = ", ".join(_one_line(name, 24) for name in names[:4]) + (", …" if len(names) > 4 else "")
        gap = f"{len(missing)} of {len(names)} features are not in the feature store" if missing else ""
        features = LineageNode(f"features:{digest}", "features", title, shown, gap)
    else:
        features = LineageNode(f"features-gap:{model_id}", "features", "none listed", "no feature_set", "the model lists no feature_set")
    experiment_id = model.get("training_experiment_id")
    if experiment is not None:
        algorithm = _as_dict(experiment.get("model")).get("algorithm") or model.get("algorithm") or "?"
        metric = _metric_text(experiment, experiment.get("task_type") or model.get("task_type"))
        detail = _one_line(algorithm, 32) + (f" · {metric}" if metric else "")
        run = LineageNode(f"experiment:{experiment['experiment_id']}", "experiment", _one_line(experiment['experiment_id'], 60), detail)
    elif experiment_id:
        run = LineageNode(f"experiment-gap:{experiment_id}", "experiment", "not logged", _one_line(experiment_id, 48), f"experiment {_one_line(experiment_id, 80)} is not logged")
    else:
        run = LineageNode(f"experiment-gap:{model_id}", "experiment", "not logged", "none named", "the model names no training_experiment_id")
    lacking = missing_required_metrics(model.get("task_type"), model.get("metrics"))
    metric = _metric_text(model, model.get("task_type"))
    node = LineageNode(f"model:{model_id}", "model", _one_line(model_id, 60), _one_line(status, 12) + (f" · {metric}" if metric else ""),
                       f"required {_one_line(model.get('task_type'), 20)} metrics missing: {', '.join(lacking)}" if lacking else "", status)
    return [data, features, run, node], lineage


def lineage_graph(snapshot: "_Snapshot", models: Sequence[Entry]) -> LineageGraph:
    """The lineage graph of `models` (registered entries, as read by _Snapshot): for each, its data
    version, feature set, experiment and the model itself, linked in that order; nodes shared
    between models are drawn once."""
    nodes: dict[str, LineageNode] = {}
    edges: dict[tuple[str, str], None] = {}
    drawn: list[str] = []
    with_gaps = 0
    for model in models:
        chain, lineage = _lineage_nodes(snapshot, model, snapshot.status(model))
        with_gaps += bool(lineage["gaps"])
        drawn.append(str(model.get("model_id")))
        for node in chain:
            nodes.setdefault(node.key, node)
        for source, target in zip(chain, chain[1:]):
            edges[(source.key, target.key)] = None
    return LineageGraph(list(nodes.values()), list(edges), drawn, with_gaps)


def _mermaid_label(node: LineageNode) -> str:
    def escape(text: str) -> str:
        return _MERMAID_ESCAPED.sub(lambda match: f"#{ord(match.group())};", text)

    # A gap node's title says what is missing, except a model's: its gap line names the metrics.
    lines = [f"{LINEAGE_KIND_LABELS[node.kind]}: {node.title}", node.detail] + ([f"gap: {node.gap}"] if node.kind == "model" and node.gap else [])
    return "<br/>".join(escape(_one_line(line, 80)) for line in lines if line)


def lineage_mermaid(graph: LineageGraph, fenced: bool = True) -> str:
    """`graph` as a Mermaid flowchart (left to right), in a ```mermaid block when `fenced`. Labels are
    escaped with Mermaid's entity codes, so ids, paths and names holding quotes, brackets, `#`, `<`
    or any other character still parse; gap nodes are dashed, the champion is drawn bold."""
    ids = {node.key: f"n{index}" for index, node in enumerate(graph.nodes)}
    lines = ["flowchart LR"]
    for node in graph.nodes:
        opening, closing = _MERMAID_SHAPES[node.kind]
        lines.append(f"  {ids[node.key]}{opening}{_mermaid_label(node)}{closing}")
    lines += [f"  {ids[source]} --> {ids[target]}" for source, target in graph.edges]
    gaps = [ids[node.key] for node in graph.nodes if node.gap]
    champions = [ids[node.key] for node in graph.nodes if node.status == "champion"]
    if gaps:
        lines += ["  classDef gap stroke:#d1242f,stroke-width:2px,stroke-dasharray:5 4", f"  class {','.join(gaps)} gap"]
    if champions:
        lines += ["  classDef champion stroke:#1a7f37,stroke-width:3px", f"  class {','.join(champions)} champion"]
    text = "\n".join(lines)
    return f"```mermaid\n{text}\n```" if fenced else text


def lineage_mermaid_within(snapshot: "_Snapshot", models: Sequence[Entry], budget: Optional[int]) -> tuple[str, int]:
    """The fenced Mermaid flowchart of as many of `models` (in order) as fit `budget` bytes (None: no
    limit) and MERMAID_MAX_MODELS; returns (text, number of models drawn). Never cuts a diagram:
    models are left out whole. At least one model is drawn when `models` is not empty."""
    chosen = list(models[:MERMAID_MAX_MODELS])
    text = lineage_mermaid(lineage_graph(snapshot, chosen))
    if budget is None or len(text.encode("utf-8")) <= budget:
        return text, len(chosen)
    low, high = 1, len(chosen)  # the largest prefix that fits: graphs only grow with more models
    best = lineage_mermaid(lineage_graph(snapshot, chosen[:1]))
    while low < high:
        middle = (low + high + 1) // 2
        candidate = lineage_mermaid(lineage_graph(snapshot, chosen[:middle]))
        if len(candidate.encode("utf-8")) <= budget:
            low, best = middle, candidate
        else:
            high = middle - 1
    return best, low


def _lineage_mermaid_text(snapshot: "_Snapshot", model: Entry, lineage: dict[str, Any]) -> list[str]:
    """`registry lineage MODEL_ID --mermaid`: the model's flowchart, then its gaps in words."""
    lines = [lineage_mermaid(lineage_graph(snapshot, [model]))]
    if lineage["complete"]:
        return lines + ["Lineage: complete"]
    return lines + ["Lineage gaps (dashed):"] + [f"- {_one_line(gap, 300)}" for gap in lineage["gaps"]]


def _summary_mermaid(snapshot: "_Snapshot", limit: int, everything: bool, room: Optional[int]) -> list[str]:
    """The summary's lineage section as a flowchart (`registry --mermaid`): the champion, the best
    challengers, the models with gaps, then the most recent, `limit` models in all (every model with
    --all), as many as fit `room` bytes."""
    models = snapshot.models
    gaps = [] if everything else [m for m in models if snapshot.lineage(m)["gaps"]][: min(limit, 5)]
    chosen = _model_rows(snapshot, limit, everything, gaps)
    if not chosen:
        return []
    note_room = 200
    if room is not None and room < note_room + 400:
        return ["- Lineage diagram: no room left within 4 KB; use `registry lineage MODEL_ID --mermaid` or --limit N"]
    text, drawn = lineage_mermaid_within(snapshot, chosen, None if room is None else room - note_room)
    which = f"every model, up to {MERMAID_MAX_MODELS}" if everything else "the champion, best challengers, models with gaps, the most recent"
    note = f"- Lineage diagram ({which}): {drawn:,} of {len(models):,} models"
    if drawn < len(models):
        note += "; any other: `registry lineage MODEL_ID --mermaid`"
    return [note, text]
