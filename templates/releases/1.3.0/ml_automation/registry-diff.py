# =============================================================================
# REGISTRY DIFF
# =============================================================================

# `registry diff A B`: what changed between two runs, models or experiments (`champion` and
# `best-challenger` name the current ones): parameters, metrics per split with deltas and which side
# the task's primary metric favours, the data version (fingerprint, rows, schema), features added and
# removed with their leakage flags, and the reproduction facts that differ. One dict (registry_diff),
# rendered as bounded lines by the registry command and as a section of the HTML report.

import math
from collections.abc import Callable
from typing import Any, Optional

# The names `registry diff` takes besides model and experiment ids.
DIFF_NAMES = ("champion", "best-challenger")
_MISSING = object()


def _diff_entry(snapshot: "_Snapshot", name: str) -> tuple[str, Entry]:
    """('model' or 'experiment', the entry) that `name` names: `champion`, `best-challenger`, a model
    id, else an experiment id. Raises RegistryError naming what exists."""
    if name == "champion":
        unknown = snapshot.champion_unknown()
        if unknown:
            raise RegistryError(f"the champion is unknown: the model registry is damaged ({_clip(str(unknown[0]), 300)}), and the champion may be "
                                "in what cannot be read; `registry repair` shows how to rebuild it")
        if snapshot.champion is None:
            raise RegistryError("there is no champion yet (promote_model makes one)")
        return "model", snapshot.champion
    if name == "best-challenger":
        best = _best_challengers(snapshot, 1)
        if not best:
            raise RegistryError("there is no challenger with a primary metric to compare (save_model_entry registers one)")
        return "model", best[0]
    if name in snapshot._models:
        return "model", snapshot._models[name]
    if name in snapshot._experiments:
        return "experiment", snapshot._experiments[name]
    models = _id_list([str(m.get("model_id")) for m in _recent(snapshot.models)], 6) if snapshot.models else "none"
    experiments = _id_list([str(e.get("experiment_id")) for e in _recent(snapshot.experiments)], 4) if snapshot.experiments else "none"
    raise RegistryError(f"no model or experiment {name!r} in the registry (names: {', '.join(DIFF_NAMES)}; models, most recent first: {models}; "
                        f"experiments: {experiments})")


def _per_split(metrics: Any) -> dict[str, dict[str, Any]]:
    """Metrics as {split: {metric: value}}; metrics not given per split under 'unknown split'."""
    metrics = _as_dict(metrics)
    splits = {str(split): {k: v for k, v in values.items() if not isinstance(v, dict)} for split, values in metrics.items() if isinstance(values, dict)}
    flat = {k: v for k, v in metrics.items() if not isinstance(v, dict)}
    if flat:
        splits["unknown split"] = flat
    return splits


def _run_facts(snapshot: "_Snapshot", kind: str, entry: Entry) -> dict[str, Any]:
    """What a diff compares of one model or experiment, each fact from the entry itself, else from the
    experiment that trained the model (or the model an experiment registered)."""
    if kind == "model":
        model: Entry = entry
        experiment = snapshot._experiments.get(entry.get("training_experiment_id")) if isinstance(entry.get("training_experiment_id"), str) else None
    else:
        experiment = entry
        registered = entry.get("registered_model_id")
        model = snapshot._models.get(registered, {}) if isinstance(registered, str) else {}
        if not model:
            model = next((m for m in snapshot.models if m.get("training_experiment_id") == entry.get("experiment_id")), {})
    run = _as_dict(experiment)
    spec, dataset = _as_dict(run.get("model")), _as_dict(run.get("dataset"))
    params = _as_dict(model.get("hyperparameters")) if kind == "model" else {}
    params = params or _as_dict(spec.get("hyperparameters")) or _as_dict(model.get("hyperparameters"))
    own = entry.get("metrics")
    metrics = _per_split(own)
    metrics_from = entry.get("model_id") or entry.get("experiment_id")
    if kind == "model" and set(metrics) <= {"unknown split"} and any(s != "unknown split" for s in _per_split(run.get("metrics"))):
        metrics, metrics_from = _per_split(run.get("metrics")), run.get("experiment_id")  # the model's own metrics name no split
    fingerprint = entry.get("data_fingerprint") or dataset.get("fingerprint") or model.get("data_fingerprint")
    version = snapshot._versions.get(fingerprint) if isinstance(fingerprint, str) else None
    features = _as_list(model.get("feature_set")) or _as_list(dataset.get("features_used")) or _as_list(dataset.get("features"))
    reproduction = _as_dict(entry.get("reproduction")) or _as_dict(run.get("reproduction")) or _as_dict(model.get("reproduction"))
    return {
        "kind": kind, "id": entry.get("model_id") if kind == "model" else entry.get("experiment_id"),
        "status": snapshot.status(entry) if kind == "model" else entry.get("status"),
        "task_type": entry.get("task_type") or model.get("task_type"),
        "algorithm": entry.get("algorithm") or spec.get("algorithm") or model.get("algorithm"),
        "params": params, "metrics": metrics, "metrics_from": metrics_from, "headline": _headline_metrics(own if kind == "model" else run.get("metrics")),
        "headline_split": _headline_split(own if kind == "model" else run.get("metrics")),
        "data": {"fingerprint": fingerprint, "source_path": _as_dict(version).get("source_path") or dataset.get("source_path"),
                 "rows": _as_dict(version).get("rows", dataset.get("rows")), "columns": _as_dict(version).get("columns"),
                 "column_schema": _as_dict(_as_dict(version).get("column_schema")), "recorded": version is not None},
        "features": [str(name) for name in features], "reproduction": reproduction,
    }


def _same(a: Any, b: Any) -> bool:
    """Whether two recorded values are equal, NaN equal to NaN (e.g. XGBoost's missing=nan), also
    inside lists and dicts; values nested past the recursion limit count as different."""
    try:
        if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
            return True
        if isinstance(a, dict) and isinstance(b, dict):
            return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
        if isinstance(a, list) and isinstance(b, list):
            return len(a) == len(b) and all(map(_same, a, b))
        return bool(a == b)
    except RecursionError:
        return False


def _changed(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """[{'name', 'a', 'b'}] for every key whose value differs (absent on one side: _MISSING shown as None)."""
    rows: list[dict[str, Any]] = []
    for key in list(a) + [k for k in b if k not in a]:
        left, right = a.get(key, _MISSING), b.get(key, _MISSING)
        if not _same(left, right):
            rows.append({"name": str(key), "a": None if left is _MISSING else left, "b": None if right is _MISSING else right,
                         "only": "a" if right is _MISSING else "b" if left is _MISSING else None})
    return sorted(rows, key=lambda row: {None: 0, "a": 1, "b": 2}[row["only"]])  # values on both sides first


def _delta(a: Any, b: Any) -> Optional[float]:
    left, right = _finite(a), _finite(b)
    if left is None or right is None:
        return None
    difference = float(right) - float(left)
    return difference if math.isfinite(difference) else None


def _favours(direction: Optional[str], a: Any, b: Any) -> Optional[str]:
    """'a', 'b' or 'tie' by `direction` ('higher' or 'lower' is better); None when not comparable."""
    delta = _delta(a, b)
    if delta is None or direction not in ("higher", "lower"):
        return None
    if delta == 0:
        return "tie"
    return "b" if (delta > 0) == (direction == "higher") else "a"


def _schema_changes(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Columns added, removed and with another dtype between two recorded column schemas."""

    def dtype(value: Any) -> Any:
        return value.get("dtype") if isinstance(value, dict) else value

    return {"added": [c for c in b if c not in a], "removed": [c for c in a if c not in b],
            "dtype_changed": [{"column": c, "a": dtype(a[c]), "b": dtype(b[c])} for c in a if c in b and dtype(a[c]) != dtype(b[c])]}


def registry_diff(snapshot: "_Snapshot", name_a: str, name_b: str) -> dict[str, Any]:
    """What changed from run `name_a` to run `name_b` (model or experiment ids, `champion`,
    `best-challenger`): {'a', 'b' (id, kind, status, task type, algorithm), 'primary' (metric,
    direction, values, delta, favours 'a'/'b'/'tie'/None), 'params', 'metrics' (per split, with deltas
    and the side each metric's direction favours), 'data', 'features' (added/removed with leakage
    risk), 'reproduction' (facts that differ)}. Raises RegistryError for an unknown name."""
    kind_a, entry_a = _diff_entry(snapshot, name_a)
    kind_b, entry_b = _diff_entry(snapshot, name_b)
    a, b = _run_facts(snapshot, kind_a, entry_a), _run_facts(snapshot, kind_b, entry_b)
    task_type = a["task_type"] if a["task_type"] in TASK_TYPE_PRIMARY_METRIC else b["task_type"]
    metric, direction = TASK_TYPE_PRIMARY_METRIC.get(task_type, [None, None]) if isinstance(task_type, str) else (None, None)
    primary_a, primary_b = (a["headline"].get(metric), b["headline"].get(metric)) if metric else (None, None)
    metrics = []
    for split in list(a["metrics"]) + [s for s in b["metrics"] if s not in a["metrics"]]:
        left, right = a["metrics"].get(split, {}), b["metrics"].get(split, {})
        for name in list(left) + [n for n in right if n not in left]:
            metrics.append({"split": split, "metric": name, "a": left.get(name), "b": right.get(name), "delta": _delta(left.get(name), right.get(name)),
                            "favours": _favours(METRIC_DIRECTIONS.get(name), left.get(name), right.get(name))})
    risks = {str(f.get("feature_id")): str(f.get("leakage_risk") or "not assessed") for f in snapshot.features}
    set_a, set_b = set(a["features"]), set(b["features"])
    data_a, data_b = a["data"], b["data"]
    facts_a, facts_b = dict(a["reproduction"]), dict(b["reproduction"])
    packages = _changed(_as_dict(facts_a.pop("packages", None)), _as_dict(facts_b.pop("packages", None)))
    seeds = _changed(_as_dict(facts_a.pop("seeds", None)), _as_dict(facts_b.pop("seeds", None)))
    same_task = a["task_type"] == b["task_type"]
    return {
        "a": {key: a[key] for key in ("id", "kind", "status", "task_type", "algorithm", "metrics_from")},
        "b": {key: b[key] for key in ("id", "kind", "status", "task_type", "algorithm", "metrics_from")},
        "comparable": same_task,
        "primary": {"metric": metric, "direction": direction,
                    "split": a["headline_split"] if a["headline_split"] == b["headline_split"] else f"A {a['headline_split'] or 'unknown split'}, B {b['headline_split'] or 'unknown split'}",
                    "a": primary_a, "b": primary_b, "delta": _delta(primary_a, primary_b),
                    "favours": _favours(direction, primary_a, primary_b) if same_task else None},
        "params": {"changed": _changed(a["params"], b["params"]), "same": sum(1 for k in a["params"] if k in b["params"] and _same(a["params"][k], b["params"][k]))},
        "metrics": metrics,
        "data": {"same": data_a["fingerprint"] == data_b["fingerprint"] and bool(data_a["fingerprint"]), "a": {k: v for k, v in data_a.items() if k != "column_schema"},
                 "b": {k: v for k, v in data_b.items() if k != "column_schema"},
                 "schema": _schema_changes(data_a["column_schema"], data_b["column_schema"]) if data_a["column_schema"] and data_b["column_schema"] else None},
        "features": {"a": len(set_a), "b": len(set_b), "same": len(set_a & set_b),
                     "added": [{"feature": n, "leakage_risk": risks.get(n, "not in the feature store")} for n in b["features"] if n not in set_a],
                     "removed": [{"feature": n, "leakage_risk": risks.get(n, "not in the feature store")} for n in a["features"] if n not in set_b]},
        "reproduction": {"recorded": [bool(a["reproduction"]), bool(b["reproduction"])], "changed": _changed(facts_a, facts_b),
                         "packages": packages, "seeds": seeds},
    }


def _side_text(side: dict[str, Any]) -> str:
    what = ", ".join(_cell(v, 40) for v in (side["kind"], side["status"], side["task_type"], side["algorithm"]) if v)
    return f"{_cell(side['id'], 80)} ({what})"


def _side_value(row: dict[str, Any], side: str, width: int) -> str:
    """One side's value of a changed fact: '(absent)' when only the other side has it."""
    if row.get("only") not in (None, side):
        return "(absent)"
    return "None" if row[side] is None else _cell(row[side], width)


def _change_text(row: dict[str, Any], width: int = 40) -> str:
    return f"{_cell(row['name'], 40)}: {_side_value(row, 'a', width)} -> {_side_value(row, 'b', width)}"


def _listed(items: list[str], shown: int) -> str:
    return ", ".join(items[:shown]) + (f", and {len(items) - shown} more (--all)" if len(items) > shown else "")


def _signed(delta: Optional[float]) -> str:
    return "" if delta is None else f"{delta:+.4g}"


def _delta_text(delta: Optional[float], base: Any) -> str:
    if delta is None:
        return ""
    left = _finite(base)
    ratio = delta / abs(float(left)) * 100 if left not in (None, 0) else math.inf
    percent = f", {ratio:+.1f}%" if math.isfinite(ratio) else ""  # none against a zero or subnormal base
    return f" ({delta:+.5g}{percent})"


def diff_lines(diff: dict[str, Any], everything: bool = False, budget: Optional[int] = None) -> list[str]:
    """`registry diff` for people: one block per kind of change, each list cut (unless `everything`),
    shorter and shorter until the whole fits `budget` bytes (default: the view's, less room for its
    header), so that every block stays in view."""
    budget = VIEW_BUDGET_BYTES - 200 if budget is None else budget
    if everything:
        return _diff_lines(diff, lambda n: 10_000)
    for scale in (1.0, 0.5, 0.25):
        lines = _diff_lines(diff, _scaled(scale))
        if len("\n".join(lines).encode("utf-8")) <= budget:
            break
    return lines


def _scaled(scale: float) -> Callable[[int], int]:
    """A cap of list lengths: `scale` of each, at least 1."""
    return lambda n: max(1, int(n * scale))


def _diff_lines(diff: dict[str, Any], cap: Callable[[int], int]) -> list[str]:
    """diff_lines with lists cut to cap(n) items."""
    a, b, primary = diff["a"], diff["b"], diff["primary"]
    lines = [f"Diff: A {_side_text(a)}", f"  vs B {_side_text(b)}"]
    if not diff["comparable"]:
        lines.append(f"Not the same task type ({_cell(a['task_type'])} vs {_cell(b['task_type'])}): metrics are shown, no side is favoured.")
    if primary["metric"]:
        favours = {"a": f"favours A ({_cell(a['id'], 60)})", "b": f"favours B ({_cell(b['id'], 60)})", "tie": "a tie"}.get(primary["favours"] or "", "cannot say (a value is missing or not a number)")
        lines.append(f"Primary metric: {metric_label(primary['metric'], primary['split'])}, {primary['direction']} is better: "
                     f"A {number_text(primary['a'])} -> B {number_text(primary['b'])}{_delta_text(primary['delta'], primary['a'])}: {favours}")
    for side in (a, b):
        if side["metrics_from"] != side["id"]:
            lines.append(f"(metrics of {_cell(side['id'], 60)} per split from its experiment {_cell(side['metrics_from'], 60)})")
    changed = diff["params"]["changed"]
    lines.append(f"Parameters: {len(changed)} changed, {diff['params']['same']} the same" + (":" if changed else ""))
    lines += [f"- {_change_text(row)}" for row in changed[: cap(12)]]
    if len(changed) > cap(12):
        lines.append(f"- and {len(changed) - cap(12)} more (--all)")
    by_split: dict[str, list[str]] = {}
    for row in diff["metrics"]:
        mark = {"a": " A better", "b": " B better"}.get(row["favours"] or "", "")
        by_split.setdefault(row["split"], []).append(f"{_cell(row['metric'], 30)} {number_text(row['a'])} -> {number_text(row['b'])}{_delta_text(row['delta'], row['a'])}{mark}")
    splits = sorted(by_split, key=lambda name: {"test": 0, "val": 1, "validation": 1, "train": 2}.get(name, 3))  # the headline split first
    for split in splits[: cap(4)]:
        lines.append(f"Metrics, {_cell(split, 20)}: " + _listed(by_split[split], cap(8)))
    if len(splits) > cap(4):
        lines.append(f"Metrics of {len(splits) - cap(4)} more splits: --all")
    data = diff["data"]
    da, db = data["a"], data["b"]

    def version(side: dict[str, Any]) -> str:
        if not side["fingerprint"]:
            return "no fingerprint"
        where = f"{_cell(side['source_path'], 48)}, " if side["source_path"] else ""
        return f"sha256:{_short(side['fingerprint'])} ({where}{_cell(side['rows'])} rows{'' if side['recorded'] else ', version not recorded'})"

    lines.append(f"Data: the same version, {version(da)}" if data["same"] else f"Data: A {version(da)} -> B {version(db)}")
    schema = data["schema"]
    if schema and not data["same"]:
        parts = [f"added {_listed(schema['added'], cap(8))}" if schema["added"] else "", f"removed {_listed(schema['removed'], cap(8))}" if schema["removed"] else "",
                 "dtype changed " + _listed([f"{_cell(c['column'], 30)} {_cell(c['a'], 16)} -> {_cell(c['b'], 16)}" for c in schema["dtype_changed"]], cap(6)) if schema["dtype_changed"] else ""]
        lines.append("- columns: " + ("; ".join(p for p in parts if p) or "the same columns and dtypes"))
    elif not data["same"] and da["fingerprint"] and db["fingerprint"]:
        lines.append("- columns: not compared (a column schema is recorded for neither or one version)")
    features = diff["features"]
    lines.append(f"Features: A {features['a']}, B {features['b']}, {features['same']} in both")
    for word, key in (("added in B", "added"), ("removed in B", "removed")):
        rows = features[key]
        if rows:
            lines.append(f"- {word} ({len(rows)}): " + _listed([f"{_cell(r['feature'], 40)} (leakage {_cell(r['leakage_risk'], 24)})" for r in rows], cap(10)))
    flagged = [r["feature"] for r in features["added"] if r["leakage_risk"].lower() in ("critical", "high", "medium")]
    if flagged:
        lines.append(f"- WARNING: B adds {len(flagged)} feature(s) flagged for leakage risk: {_listed(flagged, cap(6))}")
    repro = diff["reproduction"]
    if not all(repro["recorded"]):
        lines.append("Reproduction: not recorded for " + " and ".join(side for side, ok in zip(("A", "B"), repro["recorded"]) if not ok))
    differs = [_change_text(row, 24) for row in repro["changed"]] + [f"package {_change_text(row, 20)}" for row in repro["packages"]] + [f"seed {_change_text(row, 20)}" for row in repro["seeds"]]
    if all(repro["recorded"]):
        lines.append("Reproduction: " + (f"{len(differs)} facts differ: " + _listed(differs, cap(8)) if differs else "the same commit, packages and seeds"))
    elif differs:
        lines.append("- facts that differ: " + _listed(differs, cap(8)))
    return lines


def diff_view(snapshot: "_Snapshot", name_a: str, name_b: str, everything: bool) -> tuple[Any, list[str], int]:
    """`registry diff A B`: (the diff for --json, lines for people, exit status: 1 for an unknown name)."""
    try:
        diff = registry_diff(snapshot, name_a, name_b)
    except RegistryError as error:
        return {"error": str(error)}, [f"Error: {error}"], EXIT_NOT_FOUND
    return diff, diff_lines(diff, everything), EXIT_OK


def diff_section_html(snapshot: "_Snapshot") -> str:
    """The report's section 'Champion vs best challenger': registry_diff of the two as tables."""
    head = '<section id="diff"><h2>Champion vs best challenger</h2>'
    if snapshot.champion is None or not _best_challengers(snapshot, 1):
        missing = "no champion" if snapshot.champion is None else "no challenger with a primary metric"
        return head + f'<p class="muted">Nothing to compare: {missing} yet.</p></section>'
    diff = registry_diff(snapshot, "champion", "best-challenger")
    a, b, primary = diff["a"], diff["b"], diff["primary"]
    parts = [head, f'<p>A <b>{_h(a["id"], 128)}</b> (champion, {_h(a["algorithm"], 60)}) vs B <b id="diff-challenger">{_h(b["id"], 128)}</b> '
             f'({_h(b["status"], 20)}, {_h(b["algorithm"], 60)}); as text: {_commands_html("registry diff champion best-challenger")}</p>']
    if primary["metric"]:
        favours = {"a": "favours the champion", "b": "favours the challenger", "tie": "a tie"}.get(primary["favours"] or "", "cannot say")
        parts.append(f'<p class="headline-diff">{_h(primary["metric"])}, {_h(primary["direction"])} is better: {_h(number_text(primary["a"]))} → '
                     f'{_h(number_text(primary["b"]))} {_h(_delta_text(primary["delta"], primary["a"]))}: <b>{favours}</b></p>')
    better = {"a": "champion", "b": "challenger", "tie": "tie"}
    rows = "".join(f'<tr><td>{_h(r["split"], 20)}</td><td>{_h(_averaged(r["metric"]), 60)}</td><td class="num">{_h(number_text(r["a"]))}</td>'
                   f'<td class="num">{_h(number_text(r["b"]))}</td><td class="num">{_h(_signed(r["delta"]))}</td>'
                   f'<td>{better.get(r["favours"] or "", "")}</td></tr>' for r in diff["metrics"][:40])
    parts.append(f"<h3>Metrics</h3><table><tr><th>split</th><th>metric</th><th>champion</th><th>challenger</th><th>delta</th><th>better</th></tr>{rows}</table>")
    changed = diff["params"]["changed"]
    parts.append(f'<h3>Parameters ({len(changed)} changed, {diff["params"]["same"]} the same)</h3>')
    if changed:
        parts.append("<table><tr><th>parameter</th><th>champion</th><th>challenger</th></tr>" + "".join(
            f'<tr><td>{_h(r["name"], 60)}</td><td>{_h(_side_value(r, "a", 80), 80)}</td><td>{_h(_side_value(r, "b", 80), 80)}</td></tr>'
            for r in changed[:40]) + "</table>" + _more_html(min(40, len(changed)), len(changed), "changed parameters"))
    lines = diff_lines(diff)
    facts = [line for line in lines if line.startswith(("Data:", "- columns:", "Features:", "- added", "- removed", "- WARNING", "Reproduction:", "- facts"))]
    items = [('<li class="warn">' if line.startswith("- WARNING") else "<li>") + _h(line.lstrip("- "), 600) + "</li>" for line in facts]
    parts.append("<h3>Data, features, reproduction</h3><ul>" + "".join(items) + "</ul></section>")
    return "".join(parts)
