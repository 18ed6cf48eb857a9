# =============================================================================
# REGISTRY COMMAND LINE
# =============================================================================

# `python3 ml_utils.py registry ...` in a terminal, `/registry ...` in the editor. Every view starts
# with the registry it shows (see registry_line) and fits a prompt whatever the registry's size (about
# 4 KB by default: counts, the champion, the best challengers, the most recent entries, then "and N
# more: use --limit N or --all"). --json is complete in a shell (a script gets every entry; --limit N
# caps it) and bounded like the text in the editor. Arguments are parsed and checked; any other input
# gets the usage text and exit status 2, never a traceback. Damaged registry files are named in
# DAMAGED lines on stdout, next to what could be read, with exit status 3.

import argparse
import json
import math
import os
import re
import sys
import warnings
from collections.abc import Sequence
from typing import Any, NoReturn, Optional

VIEW_BUDGET_BYTES = 4096
DEFAULT_LIMIT = 15
EXIT_OK, EXIT_NOT_FOUND, EXIT_USAGE, EXIT_DAMAGED = 0, 1, 2, 3
_VIEWS = ("summary", "models", "features", "experiments", "data", "lineage", "diff", "report", "repair", "sync", "promote", "rollback", "history", "card")
_LIST_VIEWS = ("models", "features", "experiments", "data", "history")
_DOMAIN_PATTERN = re.compile(r"\A[\w .:/+-]{1,64}\Z")


class _UsageError(Exception):
    """Input the registry command does not accept."""


class _ParserExit(Exception):
    """argparse finished early (after --help)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises instead of exiting, so registry_cli returns a status."""

    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)

    def exit(self, status: int = 0, message: Optional[str] = None) -> NoReturn:
        if message:
            print(message, file=sys.stderr, end="")
        raise _ParserExit(status)


def _model_id_arg(value: str) -> str:
    if not _ID_PATTERN.match(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a model id (1-128 letters, digits, '.', '_' or '-')")
    return value


def _domain_arg(value: str) -> str:
    if not _DOMAIN_PATTERN.match(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a domain name (1-64 letters, digits, spaces, '.', ':', '/', '+', '_' or '-')")
    return value


def _where_arg(value: str) -> ModelQuery:
    try:
        return ModelQuery(value)
    except SearchError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _sort_arg(value: str) -> str:
    try:
        parse_sort_key(value)
    except SearchError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return value


def _limit_arg(value: str) -> int:
    if not value.isdigit() or not 1 <= int(value) <= 100_000:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of rows from 1 to 100000")
    return int(value)


def _registry_parser() -> _Parser:
    def common(parser: argparse.ArgumentParser, top: bool) -> None:
        default: Any = None if top else argparse.SUPPRESS
        parser.add_argument("--json", action="store_true", default=False if top else argparse.SUPPRESS,
                            help="print JSON instead of text: every entry in a shell, about 4 KB in the editor (--limit N: N entries)")
        parser.add_argument("--limit", type=_limit_arg, metavar="N", default=default, help=f"show at most N entries (default {DEFAULT_LIMIT})")
        parser.add_argument("--all", action="store_true", default=False if top else argparse.SUPPRESS, help="show everything, however long")
        parser.add_argument("--from", dest="source", choices=("local", "mlflow"), default="local" if top else argparse.SUPPRESS,
                            help="read the project's registry folder (local, the default) or the team's MLflow server (MLFLOW_TRACKING_URI)")

    parser = _Parser(
        prog=run_form("registry"),
        description="Show the MLOps registry of the project (its registry folder is found from any of its sub-folders); "
                    "text views are about 4 KB at most unless --limit N or --all.",
    )
    common(parser, True)
    mermaid_help = "draw the lineage as a Mermaid flowchart (a ```mermaid block)"
    parser.add_argument("--mermaid", action="store_true", help=mermaid_help)
    views = parser.add_subparsers(dest="view", metavar="VIEW", parser_class=_Parser)
    summary = views.add_parser("summary", help="counts, champion, best challengers, lineage completeness (the default)")
    summary.add_argument("--mermaid", action="store_true", default=argparse.SUPPRESS, help=mermaid_help)
    common(summary, False)
    models = views.add_parser("models", help="registered models: champion, best challengers, most recent")
    models.add_argument("--champion", action="store_true", help="details of the champion only")
    models.add_argument("--where", type=_where_arg, metavar="EXPR",
                        help='only models for which EXPR holds, e.g. \'test.f1 > 0.9 and task_type == classification and created_at >= 2026-01-01\' '
                             "(fields: SPLIT.METRIC, a metric name, primary, params.NAME, tags, feature, model_id, name, task_type, algorithm, status, "
                             "dates; operators == != < <= > >= ~ (contains), and, or, not, parentheses)")
    models.add_argument("--sort", type=_sort_arg, metavar="KEY", help="order by KEY (a field as in --where): best first for a metric, else ascending; KEY:asc or KEY:desc")
    common(models, False)
    features = views.add_parser("features", help="the feature store, most recent first")
    features.add_argument("--domain", type=_domain_arg, help="only features of this domain")
    common(features, False)
    common(views.add_parser("experiments", help="logged training runs, most recent first"), False)
    data = views.add_parser("data", help="recorded data versions, most recent first")
    data.add_argument("--check", metavar="FILE", help="is FILE a recorded data version? (its table as load_data reads it, and its bytes)")
    common(data, False)
    lineage = views.add_parser("lineage", help="data -> features -> experiment -> model for one model")
    lineage.add_argument("model_id", type=_model_id_arg, help="the model's id")
    lineage.add_argument("--mermaid", action="store_true", default=argparse.SUPPRESS, help=mermaid_help)
    common(lineage, False)
    diff = views.add_parser("diff", help="what changed from run A to run B: parameters, metrics, data, features, reproduction")
    for side in ("A", "B"):
        diff.add_argument(side.lower(), type=_model_id_arg, metavar=side, help=f"a model or experiment id, {' or '.join(DIFF_NAMES)}")
    common(diff, False)
    report = views.add_parser("report", help="write a self-contained HTML report (charts, lineage graph) and print its path")
    report.add_argument("--out", metavar="FILE", help=f"the file to write (default: {REPORT_FILE} in the registry folder)")
    common(report, False)
    repair = views.add_parser("repair", help="rebuild damaged registry files from what can still be read")
    repair.add_argument("--dry-run", action="store_true", help="show what would be done, change nothing")
    common(repair, False)
    sync = views.add_parser("sync", help="push every local entry the MLflow server (MLFLOW_TRACKING_URI) lacks; a second sync changes nothing")
    sync.add_argument("--dry-run", action="store_true", help="show what would be pushed, change nothing")
    common(sync, False)
    _promotion_parsers(views, common)
    return parser


# --- Text pieces -------------------------------------------------------------------------------


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


# In a view's cells, each character of _CONTROL_CHARS is written as its escape, so a person sees it is there.
_UNSHOWABLE = re.compile(f"[{_CONTROL_CHARS}]")


def _shown(text: str) -> str:
    """`text` with every character of _UNSHOWABLE written as its escape (\\u202e)."""
    return _UNSHOWABLE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def _cell(value: Any, width: int = 40) -> str:
    """A markdown table cell, at most `width` characters, control characters escaped (see _shown)."""
    if value is None or value == "" or value == []:
        return "-"
    if isinstance(value, float):
        value = f"{value:.4g}"
    elif isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    elif isinstance(value, dict):
        value = json.dumps(value, ensure_ascii=False)
    return _clip(_shown(str(value).replace("|", "\\|").replace("\n", " ").replace("\t", " ")), width)


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]], widths: Optional[dict[int, int]] = None) -> list[str]:
    """A markdown table; each cell at most 40 characters, or `widths[column]`."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    return lines + ["| " + " | ".join(_cell(v, (widths or {}).get(i, 40)) for i, v in enumerate(row)) + " |" for row in rows]


def _short(fingerprint: Any) -> str:
    return str(fingerprint or "").replace("sha256:", "")[:12] or "-"


def _created(entry: Entry) -> str:
    return when_text(entry.get("created_at"))


def _recent(entries: Sequence[Entry]) -> list[Entry]:
    """Entries, the most recently written first."""
    return sorted(entries, key=_stamp, reverse=True)


def _best_challengers(snapshot: _Snapshot, count: int) -> list[Entry]:
    """The `count` challengers best on the primary metric of the champion's task type (or of the
    most common task type when there is no champion), best first."""
    focus = _focus(snapshot)
    if focus is None:
        return []
    task_type, metric, direction = focus
    scored = []
    for model in snapshot.models:
        if model.get("task_type") == task_type and snapshot.status(model) == "challenger":
            value = _finite(_headline_metrics(model.get("metrics")).get(metric))
            if value is not None:
                scored.append((value if direction == "lower" else -value, model))
    scored.sort(key=lambda pair: pair[0])
    return [model for _, model in scored[:count]]


def _more(shown: int, total: int, noun: str) -> list[str]:
    if shown >= total:
        return []
    return [f"Showing {shown} of {total} {noun}; and {total - shown} more: use --limit N or --all"]


def _fit(lines: list[str], budget: Optional[int]) -> str:
    """The lines joined, cut at a line boundary to at most `budget` bytes (None: no limit)."""
    text = "\n".join(lines)
    if budget is None or len(text.encode("utf-8")) <= budget:
        return text
    tail = "... output cut at 4 KB: use --limit N or --all"
    kept: list[str] = []
    size = len(tail.encode("utf-8")) + 1
    for line in lines:
        size += len(line.encode("utf-8")) + 1
        if size > budget:
            break
        kept.append(line)
    return "\n".join(kept + [tail])


def _shrink(value: Any, level: int = 0, depth: int = 0) -> Any:
    """A smaller copy of a JSON value: strings, lists and dicts cut (more at a higher `level`), with a
    note of what was cut."""
    strings, items, keys = ((200, 10, 20), (80, 5, 10), (40, 3, 6), (20, 2, 4))[min(level, 3)]
    if isinstance(value, str):
        return _clip(value, strings)
    if isinstance(value, list):
        shown = [_shrink(item, level, depth + 1) for item in value[:items]]
        return shown + ([f"... {len(value) - items} more"] if len(value) > items else [])
    if isinstance(value, dict):
        names = list(value)[: keys if depth else max(keys, 12)]
        copy = {name: _shrink(value[name], level, depth + 1) for name in names}
        if len(value) > len(names):
            copy["..."] = f"{len(value) - len(names)} more keys"
        return copy
    return value


# How deeply --json output nests a registry value: a hand-edited value nested deeper is shown as a note.
_JSON_DEPTH = 64


def _json_ready(value: Any, depth: int = 0) -> Any:
    """`value` with every NaN or infinity (a hand-written file may hold one) as null: JSON has no such
    numbers; what is nested past _JSON_DEPTH levels (never written by the runtime) as a note."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (dict, list, tuple)) and depth >= _JSON_DEPTH:
        return f"(nested more than {_JSON_DEPTH} levels deep: not shown)"
    if isinstance(value, dict):
        return {key: _json_ready(item, depth + 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(item, depth + 1) for item in value]
    return value


def _bounded_json(data: Any, budget: Optional[int]) -> str:
    """`data` as JSON of at most `budget` bytes (None: no limit): cut deeper and deeper until it
    fits, marked with "truncated"; always valid JSON (NaN and infinities are null)."""
    data = _json_ready(data)
    text = json.dumps(data, indent=1, ensure_ascii=False)
    if budget is None or len(text.encode("utf-8")) <= budget:
        return text
    for level in range(4):
        shrunk = _shrink(data, level)
        if isinstance(shrunk, dict):
            shrunk = dict({"truncated": "values cut to fit 4 KB: use --all for everything"}, **shrunk)
        text = json.dumps(shrunk, ensure_ascii=False)
        if len(text.encode("utf-8")) <= budget:
            return text
    keys = list(data)[:20] if isinstance(data, dict) else []
    return json.dumps({"truncated": "too large to show in 4 KB: use --all", "keys": keys})


def _json_list(noun: str, entries: list[Entry], total: int, budget: Optional[int]) -> dict[str, Any]:
    """{'total', 'shown', noun: [...], 'more'}: as many entries as fit the budget."""
    shown: list[Any] = []
    size = 200
    for entry in entries:
        encoded = json.dumps(entry, ensure_ascii=False)
        if budget is not None and size + len(encoded.encode("utf-8")) > budget:
            if not shown:
                shown.append(_shrink(entry, 1))
            break
        shown.append(entry)
        size += len(encoded.encode("utf-8")) + 2
    data: dict[str, Any] = {"total": total, "shown": len(shown), noun: shown}
    if len(shown) < total:
        data["more"] = f"and {total - len(shown)} more: use --limit N or --all"
    return data


# --- Views -----------------------------------------------------------------------------------


def _summary(snapshot: _Snapshot, limit: int, everything: bool) -> tuple[Any, list[str]]:
    models, features = snapshot.models, snapshot.features
    statuses = {status: 0 for status in MODEL_STATUSES}
    for model in models:
        status = snapshot.status(model)
        statuses[status] = statuses.get(status, 0) + 1
    domains: dict[str, int] = {}
    for feature in features:
        domain = str(feature.get("domain", "general"))
        domains[domain] = domains.get(domain, 0) + 1
    top_domains = sorted(domains.items(), key=lambda pair: (-pair[1], pair[0]))
    shown_domains = top_domains if everything else top_domains[:8]
    lineages = [snapshot.lineage(model) for model in models]
    gaps = [lineage for lineage in lineages if lineage["gaps"]]
    shown_gaps = gaps if everything else gaps[: min(limit, 5)]
    champion = snapshot.champion
    best = _best_challengers(snapshot, len(models) if everything else 3)
    recent = _recent(models)[: len(models) if everything else 5]
    recent_experiments = _recent(snapshot.experiments)[: len(snapshot.experiments) if everything else 3]
    recent_versions = _recent(snapshot.versions)[: len(snapshot.versions) if everything else 3]
    data = {
        "registry_dir": snapshot.folder,
        "models": dict({"total": len(models)}, **statuses),
        "champion": champion["model_id"] if champion else None,
        "best_challengers": [{"model_id": m["model_id"], "primary_metric": primary_text(m)} for m in best],
        "recent_models": [m["model_id"] for m in recent],
        "features": {"total": len(features), "by_domain": dict(shown_domains), "more_domains": len(top_domains) - len(shown_domains)},
        "experiments": {"total": len(snapshot.experiments), "recent": [e["experiment_id"] for e in recent_experiments]},
        "data_versions": {"total": len(snapshot.versions), "recent": [v["fingerprint"] for v in recent_versions]},
        "lineage": {
            "complete": len(lineages) - len(gaps), "total": len(lineages),
            "gaps": {lineage["model"]["model_id"]: lineage["gaps"] for lineage in shown_gaps},
            "more_with_gaps": len(gaps) - len(shown_gaps),
        },
    }
    status_text = ", ".join(f"{n} {s if s == 'archived' else noun_for(n, s)}" for s, n in statuses.items())
    lines = [f"- Models: {len(models)} ({status_text})"]
    if champion:
        lines.append(f"- Champion: {_cell(champion['model_id'], 60)} ({_cell(champion.get('task_type'), 20)}, "
                     f"{_cell(champion.get('algorithm') or '?', 40)}, {primary_text(champion)})")
        others = [m for m in models if m.get("status") == "champion" and m is not champion]
        if others:
            lines.append(f"  (also marked champion, counted as archived: {_id_list([str(m['model_id']) for m in others], 3)}; "
                         "the most recent promotion wins, and the next promote_model archives them)")
    elif snapshot.champion_unknown():
        data["champion_unknown"] = [str(d) for d in snapshot.champion_unknown()]  # "champion" stays null: none can be read
        lines.append(f"- Champion: unknown: the model registry is damaged ({_clip(str(snapshot.champion_unknown()[0]), 200)}); "
                     f"the champion may be in what cannot be read. To rebuild: {run_form('registry repair')}")
    else:
        lines.append("- Champion: none yet")
    if best:
        lines.append("- Best challengers: " + ", ".join(f"{_cell(m['model_id'], 48)} ({primary_text(m)})" for m in best))
    if recent:
        lines.append("- Most recent models: " + ", ".join(f"{_cell(m['model_id'], 48)} ({_created(m)})" for m in recent))
    feature_line = f"- Features: {len(features)}"
    if shown_domains:
        feature_line += " (" + ", ".join(f"{_cell(d, 24)} {n}" for d, n in shown_domains)
        feature_line += f", and {len(top_domains) - len(shown_domains)} more domains)" if len(top_domains) > len(shown_domains) else ")"
    lines.append(feature_line)
    lines.append(f"- Experiments: {len(snapshot.experiments)}" + (" (most recent: " + ", ".join(_cell(e["experiment_id"], 48) for e in recent_experiments) + ")" if recent_experiments else ""))
    lines.append(f"- Data versions: {len(snapshot.versions)}" + (" (most recent: " + ", ".join(f"{_short(v['fingerprint'])} {_cell(v.get('source_path'), 32)}" for v in recent_versions) + ")" if recent_versions else ""))
    lines.append(f"- Lineage: {len(lineages) - len(gaps)} of {len(lineages)} models complete")
    lines += [f"  - {_cell(lineage['model']['model_id'], 48)}: {_clip('; '.join(lineage['gaps']), 200)}" for lineage in shown_gaps]
    if len(gaps) > len(shown_gaps):
        lines.append(f"  - and {len(gaps) - len(shown_gaps)} more models with gaps: use `{run_form('registry lineage MODEL_ID')}` or --all")
    return data, lines


def _model_rows(snapshot: _Snapshot, limit: int, everything: bool, gaps: Sequence[Entry] = ()) -> list[Entry]:
    """The models to list or draw: all (registration order) with --all; else the champion, the three
    best challengers, `gaps` (models with lineage gaps to show), then the most recent, `limit` in all."""
    if everything:
        return list(snapshot.models)
    chosen: list[Entry] = []
    picked = set()
    for model in ([snapshot.champion] if snapshot.champion else []) + _best_challengers(snapshot, 3) + list(gaps) + _recent(snapshot.models):
        if len(chosen) >= limit:
            break
        if id(model) not in picked:
            picked.add(id(model))
            chosen.append(model)
    return chosen


def _metrics_lines(metrics: Any) -> list[str]:
    """One line per split ('- Metrics, test: accuracy 0.96491, f1 (weighted) 0.96501, ...'), each
    metric with its averaging; metrics not given per split say so."""
    metrics = _as_dict(metrics)
    splits = {name: value for name, value in metrics.items() if isinstance(value, dict)}
    groups = list(splits.items()) if splits else [("unknown split", metrics)]
    lines = []
    for split, values in groups[:6]:
        items = [(k, v) for k, v in values.items() if not isinstance(v, dict)]
        shown = ", ".join(f"{_cell(k, 30)}{' (' + METRIC_AVERAGING[k] + ')' if k in METRIC_AVERAGING else ''} {number_text(v)}" for k, v in items[:20])
        lines.append(f"- Metrics, {_cell(split, 20)}: {shown or '-'}" + (f", and {len(items) - 20} more" if len(items) > 20 else ""))
    return lines


def _champion_text(model: Entry) -> list[str]:
    feature_set = _as_list(model.get("feature_set"))
    metric, _, _ = primary_value(model)
    rule = f" ({METRIC_DIRECTIONS.get(metric, '?')} is better)" if metric else ""
    lines = [f"Champion: {_cell(model.get('model_id'), 128)} ({_cell(model.get('name'), 60)})", f"- Task type: {_cell(model.get('task_type'))}",
             f"- Primary metric: {primary_text(model)}{rule}",
             f"- Algorithm: {_cell(model.get('algorithm'), 60)} ({_cell(model.get('framework'), 30)})", f"- Artifact: {_cell(model.get('artifact_path'), 120)}",
             f"- Promoted: {when_text(model.get('promoted_at') or model.get('updated_at'))}; predecessor: {_cell(model.get('predecessor_id'), 60)}"]
    lines += _metrics_lines(model.get("metrics"))
    for title, key in (("Hyperparameters", "hyperparameters"), ("Rationale", "rationale")):
        values = model.get(key)
        if isinstance(values, dict):
            items = list(values.items())
            shown = ", ".join(f"{_cell(k, 30)}={_cell(v, 120 if key == 'rationale' else 40)}" for k, v in items[:20])
            lines.append(f"- {title}: {shown or '-'}" + (f", and {len(items) - 20} more" if len(items) > 20 else ""))
        else:
            lines.append(f"- {title}: {_cell(values, 200)}")
    names = ", ".join(_cell(name, 40) for name in feature_set[:20]) + (f", and {len(feature_set) - 20} more" if len(feature_set) > 20 else "")
    lines.append(f"- Feature set ({len(feature_set)}): {names or '-'}")
    return lines


def _lineage_text(lineage: dict[str, Any]) -> list[str]:
    model, experiment, version, features = lineage["model"], lineage["experiment"], lineage["data_version"], lineage["features"]
    if version:
        data = f"Data: {_cell(version.get('source_path') or '?', 80)} (sha256:{_short(version.get('fingerprint'))}, {_cell(version.get('rows'))} rows)"
    else:
        data = f"Data: not recorded ({_cell(model.get('data_fingerprint') or 'no fingerprint', 80)})"
    names = ", ".join(_cell(f["feature_id"], 40) for f in features[:6]) + (", ..." if len(features) > 6 else "")
    feats = f"  -> Features: {len(features)} registered ({names or 'none'})"
    if lineage["missing_features"]:
        feats += f"; not in the store: {_id_list(lineage['missing_features'], 10)}"
    if experiment:
        algorithm = _as_dict(experiment.get("model")).get("algorithm") or model.get("algorithm")
        exp = f"    -> Experiment: {experiment['experiment_id']} ({_cell(algorithm, 40)}, {primary_text(experiment)})"
    else:
        exp = f"    -> Experiment: not logged ({_cell(model.get('training_experiment_id') or 'none named', 128)})"
    rationale = model.get("rationale")
    if isinstance(rationale, dict):
        reason = rationale.get("theory_recommendation") or rationale.get("eda_insights") or rationale.get("decision_source")
    else:
        reason = rationale
    status = lineage.get("status") or model.get("status")
    lines = [data, feats, exp, f"      -> Model: {model['model_id']} ({_cell(status, 20)}, {primary_text(model)})"]
    lines.append(f"         Rationale: {_cell(reason, 300)}" if reason else "         Rationale: none recorded")
    artifact = lineage["artifact"]
    sha = model.get("artifact_sha256")
    lines.append(f"         Artifact: {_cell(artifact['path'] or '-', 120)} ({artifact['state']}" + (f", sha256 {_cell(sha, 64)}, {_cell(model.get('artifact_bytes'))} bytes)" if sha else ")"))
    lines.append(f"         Reproduce: {_reproduction_text(lineage['reproduction'])}")
    if lineage["complete"]:
        lines.append("Lineage: complete")
    else:
        lines += ["Lineage gaps:"] + [f"- {_clip(gap, 300)}" for gap in lineage["gaps"]]
    return lines


def _reproduction_text(facts: Any) -> str:
    """The reproduction facts of a run on one line: commit, Python, packages, estimator, seeds."""
    facts = _as_dict(facts)
    if not facts:
        return "not recorded"
    commit = facts.get("git_commit")
    parts = [f"git {_cell(commit, 40)}" + (" (dirty tree)" if facts.get("git_dirty") else "") if commit else "no git commit",
             f"python {_cell(facts.get('python'), 20)}"]
    parts += [f"{_cell(name, 40)} {_cell(version, 20)}" for name, version in list(_as_dict(facts.get("packages")).items())[:8]]
    if facts.get("estimator"):
        parts.append(f"estimator {_cell(facts['estimator'], 80)}")
    seeds = _as_dict(facts.get("seeds"))
    parts.append("seeds " + (", ".join(f"{_cell(k, 40)}={_cell(v, 20)}" for k, v in list(seeds.items())[:6]) if seeds else "none"))
    return "; ".join(parts)


def _registry_view(args: argparse.Namespace) -> tuple[Any, list[str], int, list[Damage], str]:
    """Compute the view the arguments ask for: (data for --json, lines for people, exit status, damage,
    the registry it shows: a folder, or the team's MLflow server)."""
    view = args.view or "summary"
    # In a shell, --json of a list gives scripts every entry (--limit N caps it); the editor's views stay bounded.
    everything = bool(args.all) or (bool(args.json) and not args.limit and not in_editor() and view in _LIST_VIEWS)
    limit = args.limit or DEFAULT_LIMIT
    if view in ("repair", "sync", "promote", "rollback", "card") and args.source == "mlflow":
        message = f"`registry {view}` works on the local registry folder: leave out --from mlflow"
        return {"error": message}, [f"Error: {message}"], EXIT_USAGE, [], mlops_dir()
    if view == "repair":
        report = repair_registry(dry_run=bool(args.dry_run))
        lines = [("Dry run, nothing changed: " if args.dry_run else "Repair: ") + count_text(len(report["actions"]), "file")]
        lines += [f"- {action}" for action in report["actions"]]
        return report, lines, EXIT_DAMAGED if report["lost"] else EXIT_OK, [], mlops_dir()
    if view == "sync":
        report = mlflow_sync(dry_run=bool(args.dry_run))
        status = EXIT_NOT_FOUND if report["failed"] else EXIT_DAMAGED if report["damaged"] else EXIT_OK
        return report, mlflow_sync_lines(report), status, [], mlops_dir()
    if view == "promote":
        return promote_view(args.model_id, args.reason, bool(args.dry_run)) + ([], mlops_dir())
    if view == "rollback":
        return rollback_view(args.reason, bool(args.dry_run)) + ([], mlops_dir())
    snapshot = mlflow_snapshot() if args.source == "mlflow" else _Snapshot()
    if view in ("history", "card"):
        shown = history_view(snapshot, limit, everything) if view == "history" else card_view(snapshot, args.model_id)
        return shown + (snapshot.damage, snapshot.folder)
    return _snapshot_view(args, snapshot, view, everything, limit) + (snapshot.folder,)


def _snapshot_view(args: argparse.Namespace, snapshot: _Snapshot, view: str, everything: bool, limit: int) -> tuple[Any, list[str], int, list[Damage]]:
    """The views read from a snapshot of the registry (all but repair and sync)."""
    damage = snapshot.damage
    if view == "lineage":
        model = next((m for m in snapshot.models if m.get("model_id") == args.model_id), None)
        if model is None:
            known = _id_list([str(m.get("model_id")) for m in _recent(snapshot.models)], 10) if snapshot.models else "none"
            message = f"no model {args.model_id!r} in the registry (registered, most recent first: {known})"
            return {"error": message}, [f"Error: {message}"], EXIT_NOT_FOUND, damage
        lineage = snapshot.lineage(model, quick=False)
        lineage["status"] = snapshot.status(model)
        ordered = {key: lineage[key] for key in ("complete", "gaps", "status", "missing_features", "artifact", "reproduction", "model", "experiment", "data_version", "features")}
        return ordered, _lineage_mermaid_text(snapshot, model, lineage) if args.mermaid else _lineage_text(lineage), EXIT_OK, damage
    if view == "diff":
        return diff_view(snapshot, args.a, args.b, everything) + (damage,)
    if snapshot.empty():
        text = ("Nothing else could be read." if damage else
                "Nothing is registered yet. The agents record data versions, features, experiments and models during /team-coldstart "
                "and /team-analyze; to record models of your own from a script or notebook, see \"Record your own models\" in the plugin's README.")
        empty = {"registry_dir": snapshot.folder, "models": [], "features": [], "experiments": [], "data_versions": []}
        return empty, [text], EXIT_OK, damage
    if view == "report":
        data, lines, status = _report_view(snapshot, args.out, args.limit, everything)
        return data, lines, status, damage
    if view == "models" and args.champion:
        champion = snapshot.champion
        if champion is None and snapshot.champion_unknown():
            unknown = snapshot.champion_unknown()
            return ({"champion": "unknown", "damaged": [str(d) for d in unknown]},
                    [f"Champion unknown: the model registry is damaged ({_clip(str(unknown[0]), 300)}), and the champion may be in what cannot be read. "
                     f"To rebuild it: {run_form('registry repair')}."], EXIT_OK, damage)
        if champion is None:
            return None, [f"No champion yet: {count_text(len(snapshot.models), 'model')} registered, none promoted (promote_model)."], EXIT_OK, damage
        return champion, _champion_text(champion), EXIT_OK, damage
    if view == "models" and (args.where or args.sort):
        if args.champion:
            return {"error": "--champion goes without --where and --sort"}, ["Error: --champion goes without --where and --sort"], EXIT_USAGE, damage
        data, lines = search_view(snapshot, args.where, args.sort, limit, everything)
        return data, lines, EXIT_OK, damage
    if view == "models":
        rows = _model_rows(snapshot, limit, everything)
        table = _table(["Model ID", "Name", "Task Type", "Algorithm", "Status", "Primary Metric", "Created"],
                       [[m["model_id"], m.get("name"), m.get("task_type"), m.get("algorithm"), snapshot.status(m), primary_text(m), _created(m)] for m in rows])
        return ("models", rows, len(snapshot.models)), table + _more(len(rows), len(snapshot.models), "models (champion, best challengers, most recent)"), EXIT_OK, damage
    if view == "features":
        domain = args.domain.lower() if args.domain else None
        chosen = [f for f in snapshot.features if domain is None or str(f.get("domain", "")).lower() == domain]
        if not chosen:
            domains = sorted({str(f.get("domain")) for f in snapshot.features})
            if domain is None:
                return ("features", [], 0), ["No features registered yet (save_feature_entries records them)."], EXIT_OK, damage
            return ("features", [], 0), [f"No features in domain {args.domain!r}; domains: {_id_list(domains, 20) if domains else 'none'}."], EXIT_OK, damage
        rows = chosen if everything else _recent(chosen)[:limit]
        table = _table(["Feature ID", "Transformation", "Source", "Domain", "Used In Models", "Leakage Risk"],
                       [[f["feature_id"], f.get("transformation"), f.get("source_columns"), f.get("domain"), f.get("used_in_models"), f.get("leakage_risk")] for f in rows])
        return ("features", rows, len(chosen)), table + _more(len(rows), len(chosen), "features (most recent)"), EXIT_OK, damage
    if view == "experiments":
        produced: dict[str, list[str]] = {}
        for m in snapshot.models:
            if isinstance(m.get("training_experiment_id"), str):
                produced.setdefault(m["training_experiment_id"], []).append(m["model_id"])
        rows = snapshot.experiments if everything else _recent(snapshot.experiments)[:limit]
        table_rows = []
        for e in rows:
            metric, _, _ = primary_value(e)
            others = [(k, v) for k, v in _headline_metrics(e.get("metrics")).items() if k != metric and not isinstance(v, dict)]
            shown = ", ".join(f"{k}{' (' + METRIC_AVERAGING[k] + ')' if k in METRIC_AVERAGING else ''} {number_text(v)}" for k, v in others[:2])
            shown += ", ..." if len(others) > 2 else ""
            made: list[Any] = produced.get(e["experiment_id"]) or [e.get("registered_model_id")]
            table_rows.append([e["experiment_id"], e.get("task_type"), _as_dict(e.get("model")).get("algorithm"), primary_text(e), shown, e.get("status"), made, _created(e)])
        table = _table(["Experiment ID", "Task Type", "Algorithm", "Primary Metric", "Other Metrics (same split)", "Status", "Model", "Created"], table_rows, {4: 64})
        return ("experiments", rows, len(snapshot.experiments)), table + _more(len(rows), len(snapshot.experiments), "experiments (most recent)"), EXIT_OK, damage
    if view == "data" and args.check:
        return _data_check(snapshot, args.check) + (damage,)
    if view == "data":
        rows = snapshot.versions if everything else _recent(snapshot.versions)[:limit]
        table = _table(["Fingerprint (short)", "Source", "Rows", "Columns", "Task Type", "Used In"],
                       [[_short(v["fingerprint"]), v.get("source_path"), v.get("rows"), v.get("columns"), v.get("detected_task_type"), v.get("used_in_experiments")] for v in rows])
        return ("data_versions", rows, len(snapshot.versions)), table + _more(len(rows), len(snapshot.versions), "data versions (most recent)"), EXIT_OK, damage
    data, lines = _summary(snapshot, limit, everything)
    if args.source == "local":
        data["mlflow_queue"], waiting = mlflow_queue_lines(snapshot.folder)
        lines += waiting
    if args.mermaid:
        above = [registry_line(snapshot.folder, args.source)] + _damage_lines(damage, everything) + lines
        room = None if everything or args.limit else VIEW_BUDGET_BYTES - len("\n".join(above).encode("utf-8"))
        lines = lines + _summary_mermaid(snapshot, limit, everything, room)
    return data, lines, EXIT_OK, damage


def _data_check(snapshot: _Snapshot, path: str) -> tuple[Any, list[str], int]:
    """`registry data --check FILE`: which recorded data version FILE is, fingerprinted both ways a
    version may have been recorded: its table as load_data reads it (compute_data_fingerprint of
    the DataFrame, as the agents record data) and its bytes (compute_data_fingerprint of the path).
    Exit status 0 when one matches, 1 when none does (the versions recorded from a file of that
    name are listed), 2 when the file cannot be read."""
    if not os.path.isfile(path):
        message = f"no file {path!r} (from {os.getcwd()})"
        return {"error": message}, [f"Error: {message}"], EXIT_USAGE
    ways = {"bytes": compute_data_fingerprint(path)}
    lines = [f"File: {path}"]
    try:
        frame = load_data(path)
        ways = {"table": compute_data_fingerprint(frame), **ways}
        lines[0] += f" ({count_text(len(frame), 'row')}, {count_text(frame.shape[1], 'column')})"
    except ImportError:
        lines.append("- as a table: not checked (pandas is not installed for this Python); the agents record the table")
    except (OSError, ValueError) as error:
        lines.append(f"- as a table: load_data cannot read it ({_clip(str(error), 200)})")
    found = {}
    for way, fingerprint in ways.items():
        version = snapshot._versions.get(fingerprint)
        what = "its table, as load_data reads it" if way == "table" else "its bytes"
        if version is None:
            lines.append(f"- {what}: {_short(fingerprint)}, not recorded")
            continue
        found[way] = version
        used = _as_list(version.get("used_in_experiments"))
        lines.append(f"- {what}: {_short(fingerprint)}, recorded {when_text(version.get('created_at'))} as {_cell(version.get('source_path') or '?', 80)}"
                     f" ({count_text(len(used), 'experiment')} used it)")
    if not found:
        name = os.path.basename(path)
        same = [v for v in snapshot.versions if os.path.basename(str(v.get("source_path") or "")) == name]
        lines.append(f"No recorded data version is this file: it changed since, or it was never recorded ({count_text(len(snapshot.versions), 'data version')} recorded).")
        lines += [f"- recorded from a file named {name}: {_short(v['fingerprint'])}, {when_text(v.get('created_at'))}, {_cell(v.get('rows'))} rows"
                  for v in _recent(same)[:5]]
    data = {"file": path, "fingerprints": ways, "matches": {way: version["fingerprint"] for way, version in found.items()}}
    return data, lines, EXIT_OK if found else EXIT_NOT_FOUND


def _damage_lines(damage: Sequence[Damage], everything: bool) -> list[str]:
    shown = [d for d in damage if d.kind != "skipped"]
    if not shown:
        return []
    listed = shown if everything else shown[:8]
    lines = [f"{'DAMAGED' if d.kind == 'damaged' else 'NOT SHOWN'}: {_clip(str(d), 400)}" for d in listed]
    if len(shown) > len(listed):
        lines.append(f"DAMAGED: and {len(shown) - len(listed)} more problems (--all lists them)")
    if in_editor():
        rebuild = f"{run_form('registry repair')} shows how it would be rebuilt; to rebuild it, {change_form('registry repair')}."
    else:
        rebuild = f"`{_program()} registry repair --dry-run` shows how it would be rebuilt; {change_form('registry repair')} rebuilds it."
    lines.append(f"What follows was read from the intact entries. Nothing was changed; writes to a damaged file are refused. {rebuild}")
    return lines + [""]


# Views that change something (registry files, the team's MLflow server): from an editor's slash
# command, which Claude Code runs without asking and the model can invoke itself, they only show
# what they would do.
_CHANGING_VIEWS = ("repair", "sync", "promote", "rollback")


def registry_editor_arguments(argv: list[str], apply_hint: Optional[str] = None) -> tuple[list[str], Optional[str]]:
    """The arguments an editor command runs `registry` with: `repair` and `sync` as a dry run, with a
    note saying how to apply them (`apply_hint`, else asking the assistant to run it: see
    change_form). Returns (arguments, note or None)."""
    view = next((arg for arg in argv if not arg.startswith("-")), None)
    if view in _CHANGING_VIEWS and "--dry-run" not in argv:
        hint = apply_hint or change_form(f"registry {view}")
        note = f"From the editor, `{run_form('registry ' + view)}` only shows what it would do; to apply it, {hint}."
        return [*argv, "--dry-run"], note
    return argv, None


def registry_cli(argv: list[str]) -> int:
    """Run `registry [summary [--mermaid] | models [--champion | --where EXPR --sort KEY] | features [--domain D] |
    experiments | data | lineage MODEL_ID [--mermaid] | diff A B | report [--out FILE] | repair [--dry-run]] [--json] [--limit N]
    [--all]` against the project's registry (see mlops_dir) and print the result (`report` writes an
    HTML file and prints its path). Returns the exit status: 0 shown, 1 unknown model id, 2 input it
    does not accept (usage text on stderr; also a report path it will not write to), 3 something
    damaged or kept unshown (DAMAGED lines on stdout, before what could be read). Never calls sys.exit."""
    parser = _registry_parser()
    try:
        args = parser.parse_args([str(arg) for arg in argv])
    except _ParserExit as done:
        return done.status
    except _UsageError as error:
        print(f"{parser.format_usage()}error: {error}\nviews: {', '.join(_VIEWS)} ({run_form('registry --help')} for details)", file=sys.stderr)
        return EXIT_USAGE
    if args.mermaid and (args.json or (args.view or "summary") not in ("summary", "lineage")):
        print(f"{parser.format_usage()}error: --mermaid goes with the summary or lineage MODEL_ID, without --json", file=sys.stderr)
        return EXIT_USAGE
    # An explicit --limit N shows N entries, however long; --json in a shell shows everything (scripts).
    budget = None if args.all or args.limit or (args.json and not in_editor()) else VIEW_BUDGET_BYTES
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RegistryWarning)
            data, lines, status, damage, folder = _registry_view(args)
    except RegistryError as error:
        print(f"Error: {error}", file=sys.stderr)
        return EXIT_NOT_FOUND
    complete = bool(args.all) or (bool(args.json) and not args.limit and not in_editor() and (args.view or "summary") in _LIST_VIEWS)
    notices = _damage_lines(damage, complete)
    if args.json:
        if isinstance(data, tuple):
            noun, rows, total = data
            data = dict({"registry_dir": folder}, **_json_list(noun, rows, total, budget and budget - sum(len(n) for n in notices)))
        elif isinstance(data, dict) and (args.view or "summary") in ("lineage", "diff"):
            data = dict({"registry_dir": folder}, **data)
        if damage:
            data = {"damaged": [str(d) for d in damage if d.kind != "skipped"][: None if complete else 8], "view": data}
        print(_bounded_json(data, budget))
    elif status == EXIT_USAGE or (status == EXIT_NOT_FOUND and not getattr(args, "check", None)):  # data --check: "not recorded" is an answer
        if notices:
            print(_fit(notices, budget))
        print(_fit(lines, budget), file=sys.stderr)
    else:
        # Every view names the registry it shows first (the report's lines name the file written in it).
        header = [] if args.view == "report" else [registry_line(folder, args.source)]
        print(_fit(header + notices + lines, budget))
    if status == EXIT_OK and any(d.kind != "skipped" for d in damage):
        return EXIT_DAMAGED
    return status
