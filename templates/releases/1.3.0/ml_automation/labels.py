# =============================================================================
# LABELS: METRICS, TIMES, COUNTS
# =============================================================================

# One way to say each thing in every view and the report: a metric with the split it was measured
# on and, for a classification metric, its averaging over classes ("f1 (weighted, test)"); the
# metric that decides the champion is the "primary metric"; every time as "YYYY-MM-DD HH:MM UTC";
# counts with the noun in the right number.

from datetime import datetime, timedelta, timezone
from typing import Any, Optional

# --- generated from generator/constants.ts: metric averaging ---
METRIC_AVERAGING = {
    "precision": "weighted",
    "recall": "weighted",
    "f1": "weighted",
    "auc_roc": "weighted one-vs-rest",
}
# --- end generated ---


def metric_label(metric: str, split: Optional[str]) -> str:
    """A metric's name with its averaging over classes and the split it was measured on, e.g.
    'f1 (weighted, test)', 'rmse (test)', 'f1 (weighted, unknown split)'."""
    notes = [note for note in (METRIC_AVERAGING.get(metric), split or "unknown split") if note]
    return f"{metric} ({', '.join(notes)})"


def number_text(value: Any) -> str:
    """A metric value for people: five significant digits (0.96501 and 0.96491 stay apart)."""
    number = _finite(value)
    if number is None:
        return "-" if value is None else _one_line(value, 24)
    return f"{number:.5g}" if isinstance(number, float) else str(number)


def primary_value(entry: Any, task_type: Any = None) -> tuple[Optional[str], Optional[str], Any]:
    """(primary metric, split, value) of `entry`'s headline metrics for `task_type` (default: the
    entry's own); (None, None, None) for a task type without one."""
    entry = _as_dict(entry)
    task_type = entry.get("task_type") if task_type is None else task_type
    pair = TASK_TYPE_PRIMARY_METRIC.get(task_type) if isinstance(task_type, str) else None
    if not pair:
        return None, None, None
    metrics = entry.get("metrics")
    return pair[0], _headline_split(metrics), _headline_metrics(metrics).get(pair[0])


def primary_text(entry: Any, task_type: Any = None) -> str:
    """'f1 (weighted, test) 0.96501': the primary metric of `entry`, labelled; '-' when it has none."""
    metric, split, value = primary_value(entry, task_type)
    if metric is None or value is None:
        return "-"
    return f"{metric_label(metric, split)} {number_text(value)}"


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _time_text(seconds: float, shape: str) -> str:
    """A time given in seconds since 1970 (UTC) as `shape` (strftime), '' when out of datetime's range."""
    try:
        return (_EPOCH + timedelta(seconds=seconds)).strftime(shape)
    except (OverflowError, ValueError):
        return ""


def when_text(value: Any) -> str:
    """An ISO time as 'YYYY-MM-DD HH:MM UTC' (or the text as it is, '-' when there is none); any year
    datetime holds, 1 and 9999 included, whatever its offset."""
    moment = _registry_time(value)
    shown = _time_text((moment - _EPOCH).total_seconds(), "%Y-%m-%d %H:%M UTC") if moment else ""
    return shown or _one_line(value, 32) or "-"


def noun_for(count: int, noun: str, plural: str = "") -> str:
    """`noun` in the number `count` asks for: 'data version' for 1, 'data versions' otherwise."""
    return noun if count == 1 else plural or noun + "s"


def count_text(count: int, noun: str, plural: str = "") -> str:
    """'1 data version', '2 data versions', '1,000 models'."""
    return f"{count:,} {noun_for(count, noun, plural)}"
