# =============================================================================
# 6. EDA REPORT I/O AND SUMMARY
# =============================================================================

import os
from collections.abc import Hashable, Sequence
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    import pandas as _pd


EDA_REPORT_FILE = "eda_report.json"


def summarize_dataframe(df: "_pd.DataFrame", target: Optional[Hashable] = None, top_categories: int = 5) -> dict[str, Any]:
    """Summarise a DataFrame for an EDA report: shape, per-column dtype, missing share, unique count,
    numeric statistics or top categories, duplicate rows, column kinds and, with `target`, the task
    type, target balance and the numeric columns most correlated with it. Returns a JSON-ready dict."""
    import pandas as pd

    columns = {}
    for column in df.columns:
        series = df[column]
        info = {
            "dtype": str(series.dtype),
            "missing_pct": round(float(series.isna().mean()), 4),
            "unique": int(series.nunique()),
        }
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            stats = series.describe()
            info.update({key: _plain(stats[key]) for key in ("mean", "std", "min", "max") if key in stats})
            info["skew"] = _plain(series.skew())
        else:
            counts = series.astype("string").value_counts().head(top_categories)
            info["top"] = {str(key): int(value) for key, value in counts.items()}
        columns[str(column)] = info

    summary = {
        "rows": int(len(df)),
        "columns": int(df.shape[1]),
        "duplicate_rows": int(df.duplicated().sum()),
        "column_types": detect_column_types(df, target=target),
        "column_summary": columns,
    }
    if target is not None:
        task_type = detect_task_type(df, target)
        summary["target"] = target
        summary["task_type"] = task_type
        if task_type == "classification":
            shares = df[target].value_counts(normalize=True)
            summary["target_balance"] = {str(key): round(float(value), 4) for key, value in shares.items()}
        numeric = df.select_dtypes("number")
        if target in numeric.columns and numeric.shape[1] > 1:
            corr = numeric.corr(numeric_only=True)[target].drop(target).dropna()
            top = corr.abs().sort_values(ascending=False).head(10).index
            summary["target_correlations"] = {str(key): round(float(corr[key]), 4) for key in top}
    return summary


def _plain(value: Any) -> Optional[float]:
    """A float for JSON, or None for NaN/inf."""
    import math

    value = float(value)
    return value if math.isfinite(value) else None


def save_eda_report(report: dict[str, Any], output_dir: Optional[str] = None) -> str:
    """Write the EDA report (a dict, e.g. from `summarize_dataframe` plus findings) to
    `<platform>/reports/eda_report.json`, or into `output_dir`. Returns the path written."""
    folder = output_dir or _platform_subdir("reports", "ML_AUTOMATION_REPORTS_DIR")
    return _write_json_atomic(os.path.join(folder, EDA_REPORT_FILE), report)


def load_eda_report(search_dirs: Optional[Sequence[str]] = None) -> Optional[dict[str, Any]]:
    """Return the newest EDA report found in the report folders (or `search_dirs`), or None."""
    return _newest_json(EDA_REPORT_FILE, search_dirs or _report_search_dirs())
