# =============================================================================
# REGISTRY REPORT
# =============================================================================

# `registry report [--out FILE]` (`/registry report` in the editor): the registry as one self-contained HTML file to
# open from disk: the champion and why, challengers against it on the task's primary metric, that
# metric over time across experiments, the lineage graph, features by domain with leakage risk
# flagged, and data versions with the experiments that used them. Inline CSS and SVG made here: no
# script, no font, no image, nothing fetched (a Content-Security-Policy forbids it); light and dark
# (prefers-color-scheme) and printable. Read with the same readers as the registry command
# (_Snapshot and its lineage); bounded at any size: each list and chart shows the most telling
# entries and says how many more there are.

import html
import math
import os
import re
import stat
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any, Optional

REPORT_FILE = "report.html"
REPORT_GENERATOR = "ml-automation registry report"
# How every report starts: a file is replaced as an earlier report only when it starts so.
_REPORT_HEAD = ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
                '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="color-scheme" content="light dark">'
                "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
                f'<meta name="generator" content="{REPORT_GENERATOR}">')
# How many entries each part shows by default (--limit N sets them all, --all lifts them).
_REPORT_LIMITS = {"challengers": 20, "points": 300, "lineage": 30, "models": 25, "domains": 12, "features": 25, "data": 15, "gaps": 20}
_FLAGGED_RISKS = ("critical", "high", "medium")
_UNASSESSED_RISKS = ("", "unknown", "none given")

_REPORT_CSS = """
:root{--bg:#ffffff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--card:#f6f8fa;--accent:#0969da;--good:#1a7f37;--bad:#cf222e;--warn:#9a6700;--gap:#d1242f;--mark:#8250df}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--card:#151b23;--accent:#4493f8;--good:#3fb950;--bad:#f85149;--warn:#d29922;--gap:#ff7b72;--mark:#ab7df8}}
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1040px;margin:0 auto;padding:24px 20px 48px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:0 0 8px;padding-top:8px}h3{font-size:15px;margin:16px 0 6px}
p{margin:6px 0}.muted{color:var(--muted)}code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
nav{margin:12px 0 4px;display:flex;flex-wrap:wrap;gap:6px 14px}nav a{color:var(--accent);text-decoration:none}
section{margin-top:20px;padding:16px;border:1px solid var(--line);border-radius:8px;break-inside:avoid}
.stats{display:flex;flex-wrap:wrap;gap:10px;margin-top:12px}.stat{flex:1 1 150px;padding:10px 12px;border:1px solid var(--line);border-radius:8px;background:var(--card)}
.stat b{display:block;font-size:22px}.stat span{color:var(--muted);font-size:12px}
.card{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:8px 24px}@media (max-width:720px){.card{grid-template-columns:1fr}}
.headline{font-size:28px;font-weight:600}.badge{display:inline-block;padding:0 7px;border-radius:10px;border:1px solid var(--line);font-size:12px;margin-right:4px;white-space:nowrap}
.badge.champion{border-color:var(--good);color:var(--good)}.badge.flag{border-color:var(--bad);color:var(--bad)}.badge.gap{border-color:var(--gap);color:var(--gap)}.badge.ok{border-color:var(--good);color:var(--good)}
.damaged{border-color:var(--bad);background:color-mix(in srgb,var(--bad) 8%,var(--bg))}.warn{color:var(--warn)}
table{border-collapse:collapse;width:100%;margin-top:6px;font-size:13px}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid var(--line);vertical-align:top;overflow-wrap:anywhere}
th{color:var(--muted);font-weight:600;white-space:nowrap}td.id{min-width:18ch}td.nw{white-space:nowrap}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:2px 12px;margin:6px 0}dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}
svg{display:block;width:100%;height:auto;font:12px system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
svg text{fill:var(--fg)}svg .muted{fill:var(--muted)}svg .axis{stroke:var(--line);stroke-width:1}
svg .better{fill:var(--good)}svg .worse{fill:var(--bad)}svg .archived{fill-opacity:.55}svg .equal,svg .value{fill:var(--accent)}svg .ref{stroke:var(--fg);stroke-width:1.5}
svg .champion-bar{fill:var(--fg);fill-opacity:.45}svg .noise{fill:var(--accent);fill-opacity:.14}
svg circle.mark{fill:var(--accent);fill-opacity:.75}svg circle.mark.champion{fill:var(--good);fill-opacity:1;stroke:var(--fg);stroke-width:1.5}svg .best{fill:none;stroke:var(--mark);stroke-width:2}
svg .edge{fill:none;stroke:var(--muted);stroke-width:1.2;opacity:.7}svg .node rect{fill:var(--card);stroke:var(--line);stroke-width:1.2}
svg .node.model rect{stroke:var(--accent)}svg .node.champion rect{stroke:var(--good);stroke-width:3}svg .node.gap rect{stroke:var(--gap);stroke-dasharray:5 4;stroke-width:2}
svg .node.gap text.title{fill:var(--gap)}svg text.title{font-weight:600}
footer{margin-top:24px;color:var(--muted);font-size:12px}
@media print{:root{--bg:#fff;--fg:#000;--muted:#444;--line:#bbb;--card:#fff}nav{display:none}main{max-width:none;padding:0}section{border:none;padding:8px 0;break-inside:avoid-page}}
"""


def _h(value: Any, width: int = 400) -> str:
    """`value` as escaped HTML text of at most `width` characters (see _one_line)."""
    return html.escape(_one_line(value, width), quote=True)


def _fmt(value: Any) -> str:
    return "–" if value is None else number_text(value)


def _scale(values: Sequence[float]) -> float:
    """What to divide `values` by so that sums and differences of them stay finite (1 unless some
    value is near the largest float): charts are drawn from the divided values."""
    largest = max((abs(value) for value in values), default=0.0)
    return largest if largest > 1e300 else 1.0


def _number_text(value: float, digits: int = 4) -> str:
    """A number for people; one too large for a float (a difference of two huge values) says so."""
    return f"{value:.{digits}g}" if math.isfinite(value) else f"{'-' if value < 0 else ''}more than 1.8e+308"


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About `count` round tick values covering [low, high]."""
    if not high > low:
        return [low]
    raw = (high - low) / max(1, count)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step + 1e-9) + 1)]


def _focus(snapshot: "_Snapshot") -> Optional[tuple[str, str, str]]:
    """(task type, primary metric, direction) the charts and the registry command's best challengers
    compare on: the champion's task type, else the most common one among the models, else None."""
    if snapshot.champion is not None:
        task_type = snapshot.champion.get("task_type")
    else:
        counts: dict[str, int] = {}
        for model in snapshot.models:
            if isinstance(model.get("task_type"), str):
                counts[model["task_type"]] = counts.get(model["task_type"], 0) + 1
        task_type = max(counts, key=lambda name: counts[name]) if counts else None
    if not isinstance(task_type, str) or task_type not in TASK_TYPE_PRIMARY_METRIC:
        return None
    metric, direction = TASK_TYPE_PRIMARY_METRIC[task_type]
    return task_type, metric, direction


def _primary(entry: Optional[Entry], metric: str) -> Optional[float]:
    value = _finite(_headline_metrics(_as_dict(entry).get("metrics")).get(metric))
    return None if value is None else float(value)


def _commands_html(words: str) -> str:
    """commands_text as HTML: each form in <code>."""
    return re.sub(r"`([^`]*)`", r"<code>\1</code>", html.escape(commands_text(words), quote=False))


def _more_html(shown: int, total: int, noun: str, how: str = "") -> str:
    if shown >= total:
        return ""
    return f'<p class="muted">Showing {shown:,} of {total:,} {noun}; and {total - shown:,} more{how}.</p>'


# --- Charts (SVG) ------------------------------------------------------------------------------


# Metrics whose best possible value is 1: their charts run to 1, so a bar's length is the value's.
_UNIT_METRICS = ("accuracy", "precision", "recall", "f1", "auc_roc", "r2", "silhouette_score")
# Proportions of the test rows (or averages of them): their sampling noise is about sqrt(p (1 - p) / n).
_PROPORTION_METRICS = ("accuracy", "precision", "recall", "f1")


def _value_scale(values: Sequence[float], metric: str) -> tuple[float, float]:
    """The axis of a chart of `metric` values: from zero (or below it, for a negative value) to the
    largest value, or to 1 for a metric whose best is 1. Never zoomed to the data, so the size of a
    difference is seen against the size of the values."""
    low, high = min(0.0, *values), max(0.0, *values)
    if metric in _UNIT_METRICS and high <= 1.0:
        high = 1.0
    return (low, high) if high > low else (low, low + 1.0)


def _sample_size(entry: Optional[Entry]) -> Optional[int]:
    """The number of rows the headline metrics were measured on (evaluate_model's n_test), if recorded."""
    value = _finite(_headline_metrics(_as_dict(entry).get("metrics")).get("n_test"))
    return int(value) if value is not None and value >= 1 else None


def _noise(metric: str, value: float, rows: Optional[int]) -> Optional[float]:
    """One standard error of a proportion metric of value `value` on `rows` rows (binomial
    approximation), or None when it does not apply."""
    if metric not in _PROPORTION_METRICS or not rows or not 0.0 <= value <= 1.0:
        return None
    return math.sqrt(value * (1.0 - value) / rows)


def _bars_svg(chart_id: str, rows: Sequence[tuple[str, float, str, str]], low: float, high: float, axis: str,
              reference: Optional[tuple[float, str]] = None, band: float = 0.0, scale: float = 1.0) -> str:
    """Horizontal bars, one per row (label, value, css class, value text), from zero to the value on
    the scale [low, high] drawn with its ticks and `axis` caption. A row whose class holds 'champion'
    is drawn as the reference bar; every other row is one <rect class="mark">. `reference` (value,
    label) draws a line at that value, with a shaded band of +/- `band` around it. Values come divided
    by `scale` (see _scale); the axis labels show them as they are."""
    width, left, right, pitch, top = 960, 230, 250, 24, 34
    plot = width - left - right
    x = lambda value: left + (value - low) / (high - low) * plot  # noqa: E731
    bottom = top + pitch * len(rows)
    height = bottom + 52
    parts = [f'<svg id="{chart_id}" viewBox="0 0 {width} {height}" role="img" aria-label="{_h(axis)}" data-plotted="{sum(1 for row in rows if "champion" not in row[2])}" '
             f'data-low="{low:.6g}" data-high="{high:.6g}" data-left="{left}" data-plot="{plot}">']
    if reference is not None and band > 0:
        start, end = x(max(low, reference[0] - band)), x(min(high, reference[0] + band))
        parts.append(f'<rect class="noise" x="{start:.1f}" y="{top - 6}" width="{max(1.0, end - start):.1f}" height="{bottom - top + 10}">'
                     f'<title>{_h(reference[1])} ± {_number_text(band * scale, 2)}: differences inside this band are within sampling noise</title></rect>')
    for tick in _nice_ticks(low, high, 5):
        parts.append(f'<line class="axis" x1="{x(tick):.1f}" y1="{top - 6}" x2="{x(tick):.1f}" y2="{bottom + 4}"/>'
                     f'<text x="{x(tick):.1f}" y="{bottom + 18}" text-anchor="middle" class="muted">{_number_text(tick * scale)}</text>')
    for index, (label, value, css, text) in enumerate(rows):
        y = top + index * pitch
        start, end = sorted((x(0.0), x(value)))
        if end - start < 2:
            start, end = (start + end) / 2 - 1, (start + end) / 2 + 1
        shape = "champion-bar" if "champion" in css else f"mark {css}"
        parts.append(f'<text x="{left - 8}" y="{y + 16}" text-anchor="end">{_h(label, 32)}<title>{_h(label)}</title></text>')
        parts.append(f'<rect class="{shape}" data-entry="{_h(label)}" data-value="{value:.9g}" x="{start:.1f}" y="{y + 4}" width="{end - start:.1f}" '
                     f'height="{pitch - 8}" rx="2"><title>{_h(label)}: {_h(text)}</title></rect>')
        parts.append(f'<text x="{width - right + 8}" y="{y + 16}" class="muted">{_h(text, 36)}</text>')
    if reference is not None:
        parts.append(f'<line class="ref" x1="{x(reference[0]):.1f}" y1="{top - 14}" x2="{x(reference[0]):.1f}" y2="{bottom + 4}"/>'
                     f'<text x="{x(reference[0]):.1f}" y="14" text-anchor="middle" class="muted">{_h(reference[1], 90)}</text>')
    parts.append(f'<text x="{left}" y="{bottom + 40}" class="muted">{_h(axis, 160)}</text>')
    return "".join(parts) + "</svg>"


def _histogram_svg(values: Sequence[float], reference: Optional[float], direction: str, metric: str, scale: float = 1.0, bins: int = 40) -> str:
    """How all `values` spread: one bar per non-empty bin (<rect class="mark">), coloured better or
    worse than `reference` (the champion's value, drawn as a line) by `direction`. Values and
    reference come divided by `scale` (see _scale); the labels show them as they are."""
    low, high = min(values), max(values)
    if reference is not None:
        low, high = min(low, reference), max(high, reference)
    if not high > low:
        low, high = low - 0.5, high + 0.5
    step = (high - low) / bins
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, int((value - low) / step))] += 1
    width, height, left, right, upper, lower = 960, 150, 70, 24, 10, 36
    peak = max(counts)
    x = lambda value: left + (value - low) / (high - low) * (width - left - right)  # noqa: E731
    parts = [f'<svg id="challengers-distribution" viewBox="0 0 {width} {height}" role="img" aria-label="{_h(metric)} of every model" '
             f'data-plotted="{sum(1 for c in counts if c)}" data-models="{len(values)}">']
    for index, count in enumerate(counts):
        if not count:
            continue
        start, end = low + index * step, low + (index + 1) * step
        middle = (start + end) / 2
        css = "value" if reference is None else "better" if (middle < reference) == (direction == "lower") else "worse"
        bar = max(1.0, count / peak * (height - upper - lower))
        parts.append(f'<rect class="mark {css}" data-count="{count}" x="{x(start) + 0.5:.1f}" y="{height - lower - bar:.1f}" width="{max(1.0, x(end) - x(start) - 1):.1f}" '
                     f'height="{bar:.1f}"><title>{_h(metric)} {_number_text(start * scale)} to {_number_text(end * scale)}: {count:,} models</title></rect>')
    for tick in _nice_ticks(low, high, 8):
        parts.append(f'<text x="{x(tick):.1f}" y="{height - lower + 16}" text-anchor="middle" class="muted">{_number_text(tick * scale)}</text>')
    parts.append(f'<line class="axis" x1="{left}" y1="{height - lower}" x2="{width - right}" y2="{height - lower}"/>')
    if reference is not None:
        parts.append(f'<line class="ref" x1="{x(reference):.1f}" y1="{upper}" x2="{x(reference):.1f}" y2="{height - lower + 4}"/>')
    parts.append(f'<text x="{left}" y="{height - 4}" class="muted">{_h(metric)} of every model compared ({direction} is better); the line is the champion</text>')
    return "".join(parts) + "</svg>"


def _challengers_section(snapshot: "_Snapshot", focus: Optional[tuple[str, str, str]], limit: Optional[int]) -> str:
    """Every other model of the focus task type (challengers, and archived former champions) against the
    champion on the primary metric, the best first; counts of better / worse / equal over all of them."""
    head = '<section id="challengers"><h2>Challengers vs champion</h2>'
    if focus is None:
        return head + '<p class="muted">No model has a known task type, so there is no primary metric to compare on.</p></section>'
    task_type, metric, direction = focus
    champion = snapshot.champion
    reference = _primary(champion, metric) if champion is not None and champion.get("task_type") == task_type else None
    counts = {"better": 0, "worse": 0, "equal": 0, "without a finite value": 0}
    statuses: dict[str, int] = {}
    other_types = 0
    scored: list[tuple[float, Entry]] = []
    for model in snapshot.models:
        status = snapshot.status(model)
        if model is champion:
            continue
        if model.get("task_type") != task_type:
            other_types += 1
            continue
        statuses[status] = statuses.get(status, 0) + 1
        value = _primary(model, metric)
        if value is None:
            counts["without a finite value"] += 1
            continue
        scored.append((value, model))
        if reference is not None:
            counts["equal" if value == reference else "better" if (value < reference) == (direction == "lower") else "worse"] += 1
    scored.sort(key=lambda pair: pair[0] if direction == "lower" else -pair[0])  # stable: ties keep registration order
    shown = scored if limit is None else scored[:limit]
    rule = f"{metric_label(metric, _headline_split(shown[0][1].get('metrics')) if shown else None)}, {direction} is better"
    others = sum(statuses.values())
    parts = [head]
    if not shown:
        parts.append(f'<p class="muted">No other model of task type {_h(task_type)} has a finite {_h(metric)} to compare ({others:,} models).</p>')
    elif reference is not None and champion is not None:
        rows_n = _sample_size(champion)
        band = _noise(metric, reference, rows_n)
        scale = _scale([value for value, _ in shown] + [reference])
        rows = [(str(champion["model_id"]), reference / scale, "champion", f"{reference:.5g} champion")]
        for value, model in shown:
            delta = (value / scale - reference / scale) * (1 if direction == "higher" else -1)
            status = snapshot.status(model)
            css = ("equal" if delta == 0 else "better" if delta > 0 else "worse") + (" archived" if status == "archived" else "")
            sign = "equal" if delta == 0 else ("better by " if delta > 0 else "worse by ") + _number_text(abs(delta) * scale, 2)
            rows.append((str(model["model_id"]), value / scale, css, f"{value:.5g}, {sign}" + (" · archived" if status == "archived" else "")))
        low, high = _value_scale([value for _, value, _, _ in rows], metric)
        label = metric_label(metric, _headline_split(champion.get("metrics")))
        parts.append(f'<p>Each other model of task type <b>{_h(task_type)}</b> (challengers, and archived former champions, paler) next to the champion '
                     f'on <b>{_h(label)}</b>, {direction} is better. Bars start at zero, so their lengths compare the values themselves; '
                     'the text says by how much each differs.</p>')
        parts.append(_bars_svg("challengers-chart", rows, low, high, f"{label}, from {_number_text(low * scale)} to {_number_text(high * scale)}",
                               (reference / scale, f"champion {_one_line(champion['model_id'], 40)}: {reference:.5g}"), (band or 0.0) / scale, scale))
        if band:
            parts.append(f'<p class="muted" id="challengers-noise">The shaded band is ±1 standard error of the champion\'s value on its {rows_n:,} rows '
                         f'({band:.2g}, binomial approximation): a difference inside it is within sampling noise.</p>')
        elif rows_n:
            parts.append(f'<p class="muted" id="challengers-noise">The champion\'s value was measured on {rows_n:,} rows.</p>')
    else:
        scale = _scale([value for value, _ in shown])
        values = [value / scale for value, _ in shown]
        why = "No champion yet" if champion is None else f"The champion ({_h(champion.get('task_type'))}) has no finite {_h(metric)}"
        parts.append(f'<p>{why}: the best models of task type <b>{_h(task_type)}</b> by <b>{_h(rule)}</b>.</p>')
        rows = [(str(m["model_id"]), v / scale, "value", f"{v:.5g}") for v, m in shown]
        low, high = _value_scale(values, metric)
        parts.append(_bars_svg("challengers-chart", rows, low, high, f"{metric_label(metric, _headline_split(shown[0][1].get('metrics')))}, {direction} is better",
                               scale=scale))
    tally = ", ".join(f"{n:,} {what}" for what, n in counts.items() if n)
    kinds = ", ".join(f"{n:,} {status}" + ("s" if status == "challenger" and n != 1 else "") for status, n in sorted(statuses.items()))
    parts.append(f'<p class="muted">{count_text(others, "other model")} of task type {_h(task_type)}' + (f" ({_h(kinds)})" if kinds else "") + (f": {tally}" if tally else "")
                 + (f"; {other_types:,} of other task types are not compared" if other_types else "") + ".</p>")
    if len(shown) < len(scored):
        scale = _scale([value for value, _ in scored] + ([reference] if reference is not None else []))
        parts.append(_histogram_svg([value / scale for value, _ in scored], None if reference is None else reference / scale, direction, metric, scale))
    parts.append(_more_html(len(shown), len(scored), "models with a value (the best first)", "; the histogram counts them all"))
    return "".join(parts) + "</section>"


def _over_time_section(snapshot: "_Snapshot", focus: Optional[tuple[str, str, str]], max_points: Optional[int]) -> str:
    head = '<section id="over-time"><h2>Primary metric over time</h2>'
    if focus is None:
        return head + '<p class="muted">No task type to chart.</p></section>'
    task_type, metric, direction = focus
    points: list[tuple[float, float, str]] = []  # (seconds since 1970: any year datetime holds, value, experiment)
    undated = 0
    for experiment in snapshot.experiments:
        if experiment.get("task_type") != task_type:
            continue
        value, logged = _primary(experiment, metric), _registry_time(experiment.get("created_at"))
        if value is None:
            continue
        if logged is None:
            undated += 1
            continue
        points.append(((logged - _EPOCH).total_seconds(), value, str(experiment["experiment_id"])))
    if not points:
        return head + f'<p class="muted">No experiment of task type {_h(task_type)} has a finite {_h(metric)} and a date.</p></section>'
    points.sort(key=lambda point: point[0])
    champion_run = _as_dict(snapshot.champion).get("training_experiment_id")
    cap = len(points) if max_points is None else max(1, max_points)
    buckets = [[point] for point in points]
    if len(points) > cap:  # one point per time bucket: its best run
        start, end = points[0][0], points[-1][0]
        span = (end - start) or 1.0
        grouped: dict[int, list[tuple[float, float, str]]] = {}
        for point in points:
            grouped.setdefault(min(cap - 1, int((point[0] - start) / span * cap)), []).append(point)
        buckets = [grouped[key] for key in sorted(grouped)]
    better = (lambda a, b: a < b) if direction == "lower" else (lambda a, b: a > b)
    shown = []
    for bucket in buckets:
        top = bucket[0]
        for point in bucket[1:]:
            top = point if better(point[1], top[1]) else top
        shown.append((top, len(bucket), any(point[2] == champion_run for point in bucket)))
    width, height, left, right, upper, lower = 960, 320, 70, 24, 16, 44
    t0, t1 = shown[0][0][0], shown[-1][0][0]
    if t1 <= t0:
        t0, t1 = t0 - 3600.0, t1 + 3600.0
    scale = _scale([top[1] for top, _, _ in shown])
    values = [top[1] / scale for top, _, _ in shown]
    low, high = _value_scale(values, metric)
    x = lambda moment: left + (moment - t0) / (t1 - t0) * (width - left - right)  # noqa: E731
    y = lambda value: upper + (high - value / scale) / (high - low) * (height - upper - lower)  # noqa: E731 - value as it is
    y_tick = lambda tick: upper + (high - tick) / (high - low) * (height - upper - lower)  # noqa: E731 - divided by scale
    splits = {_headline_split(experiment.get("metrics")) for experiment in snapshot.experiments if experiment.get("task_type") == task_type}
    label = metric_label(metric, " or ".join(sorted(split or "unknown split" for split in splits)))
    least, most = min(top[1] for top, _, _ in shown), max(top[1] for top, _, _ in shown)
    parts = [head, f'<p><b>{_h(label)}</b> ({direction} is better) of each {_h(task_type)} experiment, by when it was logged; '
             'the line is the best so far; the champion\'s experiment is ringed. The axis starts at zero: the values run from '
             f'{_number_text(least, 5)} to {_number_text(most, 5)}, a spread of {_number_text(most - least, 2)}.</p>',
             f'<svg id="over-time-chart" viewBox="0 0 {width} {height}" role="img" aria-label="{_h(metric)} over time" data-plotted="{len(shown)}" '
             f'data-low="{low * scale:.6g}" data-high="{high * scale:.6g}">']
    for tick in _nice_ticks(low, high):
        parts.append(f'<line class="axis" x1="{left}" y1="{y_tick(tick):.1f}" x2="{width - right}" y2="{y_tick(tick):.1f}"/>'
                     f'<text x="{left - 6}" y="{y_tick(tick) + 4:.1f}" text-anchor="end" class="muted">{_number_text(tick * scale)}</text>')
    seconds = t1 - t0
    shape = "%Y-%m-%d" if seconds > 72 * 3600 else "%m-%d %H:%M" if seconds > 2 * 3600 else "%H:%M:%S" if seconds > 20 else "%H:%M:%S.%f"
    labels: list[str] = []
    for i in range(5):
        moment = t0 + (t1 - t0) * i / 4
        # Runs logged within seconds of each other (a script, a test) are told apart to the millisecond.
        label = _time_text(moment, shape)[: -3 if shape.endswith("%f") else None]
        if not label or label in labels:
            continue  # a tick that would repeat its neighbour's time says nothing
        labels.append(label)
        anchor = "start" if i == 0 else "end" if i == 4 else "middle"
        parts.append(f'<text class="muted time-tick" x="{x(moment):.1f}" y="{height - lower + 18}" text-anchor="{anchor}">{label}</text>')
    running: list[str] = []
    best_value: Optional[float] = None
    for (moment, value, _), _, _ in shown:
        if best_value is None or better(value, best_value):
            if best_value is not None:
                running.append(f"L{x(moment):.1f},{y(best_value):.1f}")
            best_value = value
        running.append(("M" if not running else "L") + f"{x(moment):.1f},{y(best_value):.1f}")
    parts.append(f'<path class="best" d="{"".join(running)}"/>')
    for (moment, value, experiment_id), size, has_champion in shown:
        what = f"{experiment_id}: {metric} {value:.4g}, {_time_text(moment, '%Y-%m-%d %H:%M')}" + (f" (best of {size} runs in this interval)" if size > 1 else "")
        parts.append(f'<circle class="mark{" champion" if has_champion else ""}" data-entry="{_h(experiment_id)}" data-runs="{size}" '
                     f'cx="{x(moment):.1f}" cy="{y(value):.1f}" r="{6 if has_champion else 4}"><title>{_h(what)}</title></circle>')
    parts.append("</svg>")
    note = f"{len(points):,} experiments"
    if len(shown) < len(points):
        note += f" in {len(shown):,} time intervals: each point is the best run of its interval (--all plots every run)"
    if undated:
        note += f"; {undated:,} without a readable date are not plotted"
    return "".join(parts) + f'<p class="muted">{note}.</p></section>'


def _lineage_svg(graph: LineageGraph) -> str:
    """The lineage graph as SVG: four columns (data, features, experiment, model), nodes shared between
    models drawn once, gap nodes dashed, the champion bold. One <g class="node model"> per model."""
    column = {kind: index for index, kind in enumerate(LINEAGE_KINDS)}
    node_width, node_height, pitch, gutter = 220, 40, 50, 40
    by_key = {node.key: node for node in graph.nodes}
    parents: dict[str, list[str]] = {}
    children: dict[str, list[str]] = {}
    for source, target in graph.edges:
        children.setdefault(source, []).append(target)
        parents.setdefault(target, []).append(source)
    order = {node.key: index for index, node in enumerate(graph.nodes)}

    def ancestor_rank(key: str, kind: str) -> int:  # group models by their data version, then feature set
        for _ in range(4):
            node = by_key[key]
            if node.kind == kind:
                return order[key]
            ups = parents.get(key)
            if not ups:
                return -1
            key = ups[0]
        return -1

    models = [node for node in graph.nodes if node.kind == "model"]
    models.sort(key=lambda node: (ancestor_rank(node.key, "data"), ancestor_rank(node.key, "features"), order[node.key]))
    y: dict[str, float] = {node.key: index * pitch for index, node in enumerate(models)}
    for kind in reversed(LINEAGE_KINDS[:-1]):
        column_nodes = [node for node in graph.nodes if node.kind == kind]
        wanted = {node.key: sum(y[c] for c in children.get(node.key, []) if c in y) / max(1, len([c for c in children.get(node.key, []) if c in y]))
                  for node in column_nodes}
        placed: float = -pitch
        for node in sorted(column_nodes, key=lambda n: (wanted[n.key], order[n.key])):
            placed = max(wanted[node.key], placed + pitch)
            y[node.key] = placed
    height = int(max(y.values(), default=0) + node_height + 8)
    width = len(LINEAGE_KINDS) * node_width + (len(LINEAGE_KINDS) - 1) * gutter + 8
    x = {node.key: 4 + column[node.kind] * (node_width + gutter) for node in graph.nodes}
    head = 22
    parts = [f'<svg id="lineage-graph" viewBox="0 0 {width} {height + head + 4}" role="img" aria-label="lineage graph" data-plotted="{len(models)}">']
    parts += [f'<text class="muted" x="{4 + column[kind] * (node_width + gutter) + 8}" y="14">{LINEAGE_KIND_LABELS[kind]}</text>' for kind in LINEAGE_KINDS]
    y = {key: value + head for key, value in y.items()}
    for source, target in graph.edges:
        x1, y1 = x[source] + node_width, y[source] + 4 + node_height / 2
        x2, y2 = x[target], y[target] + 4 + node_height / 2
        middle = (x1 + x2) / 2
        parts.append(f'<path class="edge" d="M{x1:.1f},{y1:.1f} C{middle:.1f},{y1:.1f} {middle:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"/>')
    for node in graph.nodes:
        css = "node " + node.kind + (" gap" if node.gap else "") + (" champion" if node.status == "champion" else "")
        entry = f' data-entry="{_h(node.key[6:])}"' if node.kind == "model" else ""
        tip = node.title + (f" — {node.detail}" if node.detail else "") + (f" — gap: {node.gap}" if node.gap else "")
        top = y[node.key] + 4
        parts.append(f'<g class="{css}"{entry}><title>{_h(tip, 600)}</title>'
                     f'<rect x="{x[node.key]}" y="{top:.1f}" width="{node_width}" height="{node_height}" rx="6"/>'
                     f'<text class="title" x="{x[node.key] + 8}" y="{top + 16:.1f}">{_h(node.title, 27)}</text>'
                     f'<text class="muted" x="{x[node.key] + 8}" y="{top + 32:.1f}">{_h(node.detail, 31)}</text></g>')
    return "".join(parts) + "</svg>"


# --- Sections ----------------------------------------------------------------------------------


def _risk(feature: Entry) -> str:
    return str(feature.get("leakage_risk") or "").strip().lower()


def _averaged(name: Any) -> str:
    """A metric's name with its averaging over classes: 'f1 (weighted)'."""
    return f"{name} ({METRIC_AVERAGING[name]})" if name in METRIC_AVERAGING else str(name)


def _metrics_table(metrics: Any) -> str:
    """Every metric of an entry: one column per split (a metric's averaging named with it)."""
    metrics = _as_dict(metrics)
    if not metrics:
        return '<p class="muted">No metrics recorded.</p>'
    splits = [name for name, value in metrics.items() if isinstance(value, dict)]
    if splits:
        names: list[str] = []
        for split in splits:
            names += [name for name in metrics[split] if name not in names and not isinstance(metrics[split][name], dict)]
        head = "".join(f"<th>{_h(split, 20)}</th>" for split in splits[:6])
        rows = "".join(f"<tr><td>{_h(_averaged(name), 60)}</td>" + "".join(f'<td class="num">{_h(_fmt(metrics[s].get(name)))}</td>' for s in splits[:6]) + "</tr>" for name in names[:30])
        return f"<table><tr><th>metric</th>{head}</tr>{rows}</table>"
    rows = "".join(f'<tr><td>{_h(_averaged(name), 60)}</td><td class="num">{_h(_fmt(value))}</td></tr>' for name, value in list(metrics.items())[:30])
    return f"<table><tr><th>metric</th><th>unknown split</th></tr>{rows}</table>" + _more_html(min(30, len(metrics)), len(metrics), "metrics")


def _champion_section(snapshot: "_Snapshot", focus: Optional[tuple[str, str, str]], lineage: Optional[dict[str, Any]] = None) -> str:
    champion = snapshot.champion
    head = '<section id="champion"><h2>Champion</h2>'
    if champion is None:
        return head + f'<p>No champion yet: {len(snapshot.models):,} model(s) registered, none promoted (<code>promote_model(model_id)</code>).</p></section>'
    model_id = str(champion["model_id"])
    task_type = champion.get("task_type")
    pair = TASK_TYPE_PRIMARY_METRIC.get(task_type) if isinstance(task_type, str) else None
    parts = [head, f'<p><span class="badge champion">champion</span><b id="champion-id">{_h(model_id)}</b> '
             f'<span class="muted">{_h(champion.get("name"), 80)}</span></p><div class="card"><div>']
    if pair:
        value = _headline_metrics(champion.get("metrics")).get(pair[0])
        parts.append(f'<div class="headline">{_h(pair[0])} {_h(number_text(value))}</div><p class="muted">primary metric of {_h(task_type)}: '
                     f'{_h(metric_label(pair[0], _headline_split(champion.get("metrics"))))}, {pair[1]} is better</p>')
    facts = [("Task type", task_type), ("Algorithm", f"{_one_line(champion.get('algorithm') or '?', 60)} ({_one_line(champion.get('framework') or '?', 30)})"),
             ("Promoted", when_text(champion.get("promoted_at") or champion.get("updated_at"))), ("Registered", when_text(champion.get("created_at")))]
    predecessor = champion.get("predecessor_id")
    if predecessor:
        before = next((m for m in snapshot.models if m.get("model_id") == predecessor), None)
        text = _one_line(predecessor, 128)
        if before is not None and pair:
            old, new = _primary(before, pair[0]), _primary(champion, pair[0])
            if old is not None and new is not None:
                text += f" ({pair[0]} {old:.4g} → {new:.4g})"
        facts.append(("Predecessor", text))
    else:
        facts.append(("Predecessor", "none (the first champion)"))
    facts += [("Experiment", champion.get("training_experiment_id") or "–"), ("Data", champion.get("data_fingerprint") or "–"),
              ("Artifact", _artifact_text(champion, (lineage or snapshot.lineage(champion))["artifact"])),
              ("Reproduce", _reproduction_text(champion.get("reproduction"))), ("Features", f"{len(_as_list(champion.get('feature_set')))} in its feature set")]
    parts.append("<dl>" + "".join(f"<dt>{name}</dt><dd>{_h(value, 200)}</dd>" for name, value in facts) + "</dl>")
    card = os.path.abspath(card_path(champion, snapshot.folder))
    if os.path.isfile(card):
        parts.append(f'<p><a id="model-card" href="{_h(_file_uri(card))}">Model card</a> <span class="muted">{_h(card, 200)}</span></p>')
    promotion = ([r for r in _as_list(champion.get("promotions")) if isinstance(r, dict)] or [{}])[-1]
    if promotion.get("reason"):
        parts.append(f'<p class="muted">Why champion: {_h(promotion.get("reason"), 300)}; policy {_h(promotion.get("verdict"), 60)}'
                     + (f"; override reason: {_h(promotion.get('override_reason'), 200)}" if promotion.get("override_reason") else "") + "</p>")
    used = {str(name) for name in _as_list(champion.get("feature_set"))}
    risky = [f for f in snapshot.features if str(f.get("feature_id")) in used and _risk(f) in _FLAGGED_RISKS]
    if risky:
        parts.append(f'<p class="warn">⚠ Uses {len(risky)} feature(s) flagged for leakage risk: '
                     + ", ".join(f"{_h(f['feature_id'], 40)} ({_h(_risk(f), 12)})" for f in risky[:10]) + ("…" if len(risky) > 10 else "") + "</p>")
    parts.append('</div><div><h3>Why: rationale</h3>')
    rationale = champion.get("rationale")
    if isinstance(rationale, dict) and rationale:
        parts.append("<dl>" + "".join(f"<dt>{_h(key, 40)}</dt><dd>{_h(value, 600)}</dd>" for key, value in list(rationale.items())[:12]) + "</dl>")
    elif rationale:
        parts.append(f"<p>{_h(rationale, 1200)}</p>")
    else:
        parts.append('<p class="muted">None recorded.</p>')
    parts.append(f"<h3>All metrics</h3>{_metrics_table(champion.get('metrics'))}</div></div></section>")
    return "".join(parts)


def _artifact_text(model: Entry, artifact: dict[str, Any]) -> str:
    """The artifact of a model with what its check found: path, state, recorded sha256 and size."""
    sha = model.get("artifact_sha256")
    recorded = f", sha256 {sha}, {model.get('artifact_bytes')} bytes" if sha else ""
    return f"{artifact['path'] or '–'} ({artifact['state']}{recorded})" + (f": {artifact['problem']}" if artifact["state"] in ("missing", "changed") else "")


def _gap_kinds(lineage: dict[str, Any]) -> list[str]:
    """The kinds of gap in one model's lineage, as 'with ...' phrases."""
    kinds = []
    if lineage["experiment"] is None:
        kinds.append("no logged experiment")
    if lineage["data_version"] is None:
        kinds.append("no recorded data version")
    model = lineage["model"]
    if not _as_list(model.get("feature_set")):
        kinds.append("no feature set")
    elif lineage["missing_features"]:
        kinds.append("features missing from the store")
    if missing_required_metrics(model.get("task_type"), model.get("metrics")):
        kinds.append("required metrics missing")
    if lineage["artifact"]["state"] in ("missing", "changed"):
        kinds.append("an artifact missing or changed")
    if not lineage["reproduction"]:
        kinds.append("no reproduction facts")
    return kinds


def _lineage_section(snapshot: "_Snapshot", lineages: dict[int, dict[str, Any]], limit: Optional[int]) -> str:
    models = snapshot.models
    gaps = [m for m in models if lineages[id(m)]["gaps"]]
    kinds: dict[str, int] = {}
    for model in gaps:
        for kind in _gap_kinds(lineages[id(model)]):
            kinds[kind] = kinds.get(kind, 0) + 1
    # Not `everything` even without a limit: every model is then drawn, but champion first as below (the order sets the layout).
    chosen = _model_rows(snapshot, len(models) if limit is None else limit, False, gaps[:10])
    graph = lineage_graph(snapshot, chosen)
    parts = ['<section id="lineage"><h2>Lineage</h2>',
             f'<p>Data version → features → experiment → model. <b>{len(models) - len(gaps):,} of {len(models):,}</b> models have a complete lineage'
             + (": " + ", ".join(f"{n:,} with {kind}" for kind, n in sorted(kinds.items(), key=lambda pair: -pair[1])) if kinds else "") + ".</p>",
             '<p class="muted">Dashed red boxes are gaps: something a model names that the registry does not hold.</p>', _lineage_svg(graph)]
    if len(chosen) < len(models):
        parts.append(f'<p class="muted">The graph shows {len(chosen):,} of {len(models):,} models (the champion, best challengers, models with gaps, '
                     f'the most recent); any other: {_commands_html("registry lineage MODEL_ID")} (add --mermaid for a diagram).</p>')
    if gaps:
        shown = gaps if limit is None else gaps[: _REPORT_LIMITS["gaps"] if limit is None else min(limit, _REPORT_LIMITS["gaps"])]
        rows = "".join(f'<tr><td><a href="#model-{_h(m["model_id"])}">{_h(m["model_id"])}</a></td><td>{_h(snapshot.status(m), 12)}</td>'
                       f'<td>{"<br>".join(_h(gap, 300) for gap in lineages[id(m)]["gaps"])}</td></tr>' for m in shown)
        parts.append(f'<h3>Models with gaps</h3><table><tr><th>model</th><th>status</th><th>what is missing</th></tr>{rows}</table>')
        parts.append(_more_html(len(shown), len(gaps), "models with gaps"))
    return "".join(parts) + "</section>"


def _models_section(snapshot: "_Snapshot", lineages: dict[int, dict[str, Any]], limit: Optional[int]) -> str:
    models = snapshot.models
    rows = _model_rows(snapshot, len(models) if limit is None else limit, limit is None)
    body = []
    for model in rows:
        status = snapshot.status(model)
        gaps = lineages[id(model)]["gaps"]
        lineage = '<span class="badge ok">complete</span>' if not gaps else f'<span class="badge gap">{len(gaps)} gap{"s" if len(gaps) > 1 else ""}</span>'
        badge = f'<span class="badge {"champion" if status == "champion" else ""}">{_h(status, 12)}</span>'
        body.append(f'<tr id="model-{_h(model["model_id"])}"><td class="id"><code>{_h(model["model_id"])}</code></td><td>{_h(model.get("name"), 40)}</td><td class="nw">{badge}</td>'
                    f'<td class="nw">{_h(model.get("task_type"), 20)}</td><td>{_h(model.get("algorithm"), 40)}</td><td class="num">{_h(primary_text(model))}</td>'
                    f'<td class="nw">{_h(when_text(model.get("created_at")))}</td><td class="nw">{lineage}</td></tr>')
    return ('<section id="models"><h2>Models</h2><table><tr><th>model</th><th>name</th><th>status</th><th>task type</th><th>algorithm</th>'
            f'<th>primary metric</th><th>registered</th><th>lineage</th></tr>{"".join(body)}</table>'
            + _more_html(len(rows), len(models), "models (the champion, best challengers, then the most recent)", ": --limit N or --all shows more") + "</section>")


def _features_section(snapshot: "_Snapshot", limit: Optional[int]) -> str:
    features = snapshot.features
    head = '<section id="features"><h2>Features by domain</h2>'
    if not features:
        return head + '<p class="muted">No feature registered.</p></section>'
    champion_features = {str(name) for name in _as_list(_as_dict(snapshot.champion).get("feature_set"))}
    domains: dict[str, list[Entry]] = {}
    for feature in features:
        domains.setdefault(_one_line(feature.get("domain") or "general", 64), []).append(feature)
    ordered = sorted(domains.items(), key=lambda pair: (-len(pair[1]), pair[0]))
    shown_domains = ordered if limit is None else ordered[: min(limit, _REPORT_LIMITS["domains"])]
    flagged = [f for f in features if _risk(f) in _FLAGGED_RISKS]
    unassessed = sum(1 for f in features if _risk(f) in _UNASSESSED_RISKS)
    rows = []
    for domain, members in shown_domains:
        risky = [f for f in members if _risk(f) in _FLAGGED_RISKS]
        examples = risky[:6] + [f for f in members if f not in risky][: max(0, 6 - len(risky))]
        names = ", ".join(_h(f["feature_id"], 40) + (f' <span class="badge flag">{_h(_risk(f), 10)}</span>' if f in risky else "") for f in examples)
        names += f", and {len(members) - len(examples):,} more" if len(members) > len(examples) else ""
        rows.append(f'<tr><td>{_h(domain)}</td><td class="num">{len(members):,}</td><td class="num">{len(risky):,}</td>'
                    f'<td class="num">{sum(1 for f in members if _risk(f) in _UNASSESSED_RISKS):,}</td><td>{names}</td></tr>')
    parts = [head, f'<p>{len(features):,} features in {len(domains):,} domains; <b>{len(flagged):,}</b> flagged for leakage risk (high or medium), '
             f'{unassessed:,} not assessed.</p><table><tr><th>domain</th><th>features</th><th>flagged</th><th>not assessed</th><th>features (flagged first)</th></tr>'
             + "".join(rows) + "</table>", _more_html(len(shown_domains), len(domains), "domains")]
    if flagged:
        cap = len(flagged) if limit is None else min(limit, _REPORT_LIMITS["features"])
        flagged.sort(key=lambda f: (_FLAGGED_RISKS.index(_risk(f)), str(f["feature_id"]) not in champion_features, -len(_as_list(f.get("used_in_models")))))
        body = []
        for feature in flagged[:cap]:
            used = [str(m) for m in _as_list(feature.get("used_in_models"))]
            in_champion = ' <span class="badge champion">champion uses it</span>' if str(feature["feature_id"]) in champion_features else ""
            body.append(f'<tr><td><code>{_h(feature["feature_id"])}</code></td><td><span class="badge flag">{_h(_risk(feature), 12)}</span></td>'
                        f'<td>{_h(feature.get("domain"), 40)}</td><td>{_h(feature.get("transformation"), 30)}</td>'
                        f'<td>{_h(", ".join(str(c) for c in _as_list(feature.get("source_columns"))[:6]), 120)}</td>'
                        f'<td>{len(used):,} model(s){in_champion}</td></tr>')
        parts.append('<h3>Leakage risk flagged</h3><table><tr><th>feature</th><th>risk</th><th>domain</th><th>transformation</th><th>source columns</th>'
                     f'<th>used in</th></tr>{"".join(body)}</table>' + _more_html(cap, len(flagged), "flagged features"))
    return "".join(parts) + "</section>"


def _data_section(snapshot: "_Snapshot", limit: Optional[int]) -> str:
    versions = snapshot.versions
    head = '<section id="data"><h2>Data versions</h2>'
    if not versions:
        return head + '<p class="muted">No data version recorded.</p></section>'
    runs: dict[str, list[str]] = {}
    for experiment in snapshot.experiments:
        fingerprint = _as_dict(experiment.get("dataset")).get("fingerprint")
        if isinstance(fingerprint, str):
            runs.setdefault(fingerprint, []).append(str(experiment["experiment_id"]))
    trained: dict[str, int] = {}
    for model in snapshot.models:
        if isinstance(model.get("data_fingerprint"), str):
            trained[model["data_fingerprint"]] = trained.get(model["data_fingerprint"], 0) + 1
    chosen = _recent(versions) if limit is None else _recent(versions)[: min(limit, _REPORT_LIMITS["data"])]
    rows = []
    for version in chosen:
        fingerprint = str(version["fingerprint"])
        used = list(dict.fromkeys([str(e) for e in _as_list(version.get("used_in_experiments"))] + runs.get(fingerprint, [])))
        names = ", ".join(_h(e, 48) for e in used[:5]) + (f", and {len(used) - 5:,} more" if len(used) > 5 else "")
        rows.append(f'<tr><td class="nw"><code title="{_h(fingerprint)}">{_h(fingerprint.replace("sha256:", "")[:12])}</code></td><td>{_h(version.get("source_path"), 80)}</td>'
                    f'<td class="num">{_h(_fmt(version.get("rows")))} × {_h(_fmt(version.get("columns")))}</td><td class="nw">{_h(version.get("detected_task_type"), 20)}</td>'
                    f'<td class="nw">{_h(when_text(version.get("created_at")))}</td><td>{len(used):,}{": " + names if names else ""}</td><td class="num">{trained.get(fingerprint, 0):,}</td></tr>')
    return (head + '<table><tr><th>fingerprint</th><th>source</th><th>rows × columns</th><th>task type</th><th>recorded</th><th>experiments using it</th>'
            f'<th>models</th></tr>{"".join(rows)}</table>' + _more_html(len(chosen), len(versions), "data versions (the most recent)") + "</section>")


def _report_html(snapshot: "_Snapshot", limit: Optional[int] = None, everything: bool = False) -> str:
    """The whole report page (see the section comment). `limit` caps every list and chart (default:
    _REPORT_LIMITS); `everything` shows every entry."""

    def cap(part: str) -> Optional[int]:
        return None if everything else (limit if limit is not None else _REPORT_LIMITS[part])

    models = snapshot.models
    lineages = {id(model): snapshot.lineage(model) for model in models}
    statuses: dict[str, int] = {}
    for model in models:
        statuses[snapshot.status(model)] = statuses.get(snapshot.status(model), 0) + 1
    complete = sum(1 for lineage in lineages.values() if not lineage["gaps"])
    flagged = sum(1 for f in snapshot.features if _risk(f) in _FLAGGED_RISKS)
    focus = _focus(snapshot)
    project = os.path.basename(os.path.abspath(_project_registry()[1] or os.curdir)) or os.getcwd()
    stats = [(f"{len(models):,}", "models: " + ", ".join(f"{n:,} {s}" for s, n in statuses.items())),
             (f"{len(snapshot.features):,}", f"features, {flagged:,} flagged for leakage"), (f"{len(snapshot.experiments):,}", "experiments"),
             (f"{len(snapshot.versions):,}", noun_for(len(snapshot.versions), "data version")), (f"{complete:,} / {len(models):,}", "models with a complete lineage")]
    parts = [_REPORT_HEAD,
             f"<title>MLOps registry: {_h(project, 80)}</title><style>{_REPORT_CSS}</style></head><body><main>",
             f'<header><h1>MLOps registry: {_h(project, 80)}</h1><p class="muted">Registry folder <code>{_h(snapshot.folder)}</code> · '
             f'generated {datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}; regenerate it with {_commands_html("registry report")}</p>',
             '<div class="stats">' + "".join(f'<div class="stat"><b>{value}</b><span>{_h(label, 120)}</span></div>' for value, label in stats) + "</div>",
             '<nav><a href="#champion">Champion</a><a href="#challengers">Challengers</a><a href="#diff">Champion vs best challenger</a><a href="#over-time">Over time</a><a href="#lineage">Lineage</a>'
             '<a href="#models">Models</a><a href="#features">Features</a><a href="#data">Data versions</a></nav></header>']
    damage = [d for d in snapshot.damage if d.kind != "skipped"]
    if damage:
        listed = damage if everything else damage[:8]
        parts.append('<section class="damaged" id="damaged"><h2>Damaged registry files</h2><p>What follows was read from the intact entries; nothing was changed. '
                     f'To see how it would be rebuilt: {_commands_html("registry repair --dry-run")}; then without --dry-run.</p><ul>'
                     + "".join(f"<li><code>{_h(str(d), 400)}</code></li>" for d in listed) + "</ul>" + _more_html(len(listed), len(damage), "problems") + "</section>")
    parts += [_champion_section(snapshot, focus, lineages.get(id(snapshot.champion))), _challengers_section(snapshot, focus, cap("challengers")),
              diff_section_html(snapshot),
              _over_time_section(snapshot, focus, cap("points")),
              _lineage_section(snapshot, lineages, cap("lineage")), _models_section(snapshot, lineages, cap("models")),
              _features_section(snapshot, cap("features")), _data_section(snapshot, cap("data"))]
    parts.append('<footer>Self-contained: inline CSS and SVG, no script, nothing loaded from the network. '
                 f'The registry is the source: regenerate this page after the registry changes, with {_commands_html("registry report")}.</footer></main></body></html>\n')
    return "".join(parts)


# --- Writing -----------------------------------------------------------------------------------


def _report_target(out: Optional[str], folder: str) -> str:
    """The path to write the report to: `out`, or REPORT_FILE in the registry `folder`. Raises
    RegistryError when that path is a folder, a link, not a regular file (a FIFO is never opened), a
    registry file or one of the runtime's own, in a folder that does not exist, or a file that is not a
    report written here (one that starts as every report does: a report is replaced, nothing else is)."""
    path = out if out else os.path.join(folder, REPORT_FILE)
    parent = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise RegistryError(f"{path} is a folder: give a file name, e.g. --out {os.path.join(path, REPORT_FILE)}")
    if out and not os.path.isdir(parent):
        raise RegistryError(f"cannot write {path}: the folder {parent} does not exist")
    if os.path.islink(path):
        raise RegistryError(f"{path} is a symbolic link (to {os.readlink(path)}): a report is never written through one; give the file itself, or another --out FILE")
    if registry_file_kind(path) is not None:
        raise RegistryError(f"{path} is a registry file (or one the runtime keeps): the registry would read a report there as damage; choose another --out FILE")
    try:
        mode: Optional[int] = os.stat(path).st_mode
    except OSError:  # missing, or a name the file system refuses: the write says so
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        raise RegistryError(f"{path} is not a regular file (a FIFO, socket or device): a report is written only to a regular file; choose another --out FILE")
    if mode is not None:
        try:
            start = _read_bytes(path)[: len(_REPORT_HEAD) + 16] or b""  # type: ignore[index]
        except (OSError, TypeError) as error:
            raise RegistryError(f"cannot read {path} to check it is an earlier report ({error}); nothing was written") from error
        if not start.startswith(_REPORT_HEAD.encode()):
            raise RegistryError(f"{path} exists and is not a registry report: it was left as it is; choose another --out FILE or move it")
    return path


def _write_report(target: str, page: bytes, folder: str) -> str:
    """Write `page` to `target` atomically; inside the registry `folder`, holding the registry's lock
    like every writer there (whose clean-up removes the temporary files of a killed writer)."""
    if _same_dir(os.path.dirname(os.path.abspath(target)), folder):
        with _locked(folder):
            return _write_atomic(target, page)
    return _write_atomic(target, page)


def write_registry_report(path: Optional[str] = None, search_dirs: Dirs = None, limit: Optional[int] = None) -> str:
    """Write the registry report (one self-contained HTML file, see `python3 ml_utils.py registry
    report`) to `path` (default: report.html in the registry folder) and return the path written.
    `limit` caps every list and chart (None: the report's defaults). Raises RegistryError, writing
    nothing, when `path` is a folder, its folder is missing, or it holds a file that is not a report."""
    snapshot = _Snapshot(search_dirs)
    _warn_damage(snapshot.damage)
    target = _report_target(path, snapshot.folder)
    return _write_report(target, _report_html(snapshot, limit).encode("utf-8", "replace"), snapshot.folder)


def _report_view(snapshot: "_Snapshot", out: Optional[str], limit: Optional[int], everything: bool) -> tuple[Any, list[str], int]:
    """`registry report`: write the report; (data for --json, lines for people, exit status)."""
    try:
        target = _report_target(out, snapshot.folder)
        page = _report_html(snapshot, limit, everything).encode("utf-8", "replace")
        _write_report(target, page, snapshot.folder)
    except RegistryError as error:
        return {"error": str(error)}, [f"Error: {error}"], EXIT_USAGE
    except OSError as error:
        message = f"cannot write the report to {out or snapshot.folder}: {error.strerror or error}; nothing was written"
        return {"error": message}, [f"Error: {message}"], EXIT_USAGE
    where = os.path.abspath(target)
    data = {"report": where, "bytes": len(page), "models": len(snapshot.models), "features": len(snapshot.features),
            "experiments": len(snapshot.experiments), "data_versions": len(snapshot.versions)}
    counts = [count_text(len(snapshot.models), "model"), count_text(len(snapshot.features), "feature"),
              count_text(len(snapshot.experiments), "experiment"), count_text(len(snapshot.versions), "data version")]
    lines = [f"Wrote the registry report: {where} ({len(page) / 1024:.0f} KB; {', '.join(counts)}).",
             f"Open it in a browser: {_file_uri(where)} (self-contained: it loads nothing)."]
    return data, lines, EXIT_OK


def _file_uri(path: str) -> str:
    from pathlib import Path

    return Path(path).as_uri()
