# =============================================================================
# 4. LEAKAGE-SAFE SPLIT
# =============================================================================

from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    import pandas as _pd


def split_data(
    df: "_pd.DataFrame",
    target: Hashable,
    task_type: Optional[str] = None,
    test_size: float = 0.2,
    val_size: float = 0.0,
    time_column: Optional[Hashable] = None,
    group_column: Optional[Hashable] = None,
    random_state: Optional[int] = 42,
) -> dict[str, Any]:
    """Split `df` into train/(validation)/test before anything is fitted, so no statistic of the test
    rows reaches the model.

    Classification splits are stratified when every class has enough rows; `time_column` gives a
    chronological split (test = latest rows); `group_column` keeps each group in one split. Rows whose
    target is missing are dropped. Returns a dict with X_train, X_test, y_train, y_test (and X_val,
    y_val when val_size > 0) plus `info`: sizes, the strategy used and exact duplicate rows shared
    between train and test (a leakage warning sign). Raises KeyError for a missing column and
    ValueError for sizes that leave no training rows.
    """
    from sklearn.model_selection import GroupShuffleSplit, train_test_split

    for column in (target, time_column, group_column):
        if column is not None and column not in df.columns:
            raise KeyError(f"column {column!r} is not in the data; columns are {list(df.columns)}")
    if not 0 < test_size < 1 or not 0 <= val_size < 1 or test_size + val_size >= 1:
        raise ValueError(f"test_size={test_size} and val_size={val_size} must be fractions summing below 1")
    data = df.dropna(subset=[target])
    task_type = task_type or detect_task_type(data, target)
    holdout = test_size + val_size

    if time_column is not None:
        data = data.sort_values(time_column, kind="stable")
        cut = int(round(len(data) * (1 - holdout)))
        train, rest = data.iloc[:cut], data.iloc[cut:]
        strategy = f"chronological by {time_column}"
    elif group_column is not None:
        splitter = GroupShuffleSplit(n_splits=1, test_size=holdout, random_state=random_state)
        train_idx, rest_idx = next(splitter.split(data, groups=data[group_column]))
        train, rest = data.iloc[train_idx], data.iloc[rest_idx]
        strategy = f"grouped by {group_column}"
    else:
        stratify = _stratify_labels(data[target], holdout) if task_type == "classification" else None
        train, rest = train_test_split(data, test_size=holdout, stratify=stratify, random_state=random_state)
        strategy = "stratified" if stratify is not None else "random"

    if val_size > 0:
        share = test_size / holdout
        if time_column is not None:
            cut = int(round(len(rest) * (1 - share)))
            val, test = rest.iloc[:cut], rest.iloc[cut:]
        else:
            stratify = _stratify_labels(rest[target], share) if task_type == "classification" and group_column is None else None
            val, test = train_test_split(rest, test_size=share, stratify=stratify, random_state=random_state)
    else:
        val, test = None, rest
    if len(train) == 0 or len(test) == 0:
        raise ValueError(f"split left {len(train)} training and {len(test)} test rows; use more data or other sizes")

    features = [c for c in data.columns if c != target]
    result: dict[str, Any] = {
        "X_train": train[features], "y_train": train[target],
        "X_test": test[features], "y_test": test[target],
    }
    if val is not None:
        result["X_val"], result["y_val"] = val[features], val[target]
    shared = train[features].merge(test[features].drop_duplicates(), how="inner")
    result["info"] = {
        "task_type": task_type,
        "strategy": strategy,
        "rows": {"train": len(train), "val": 0 if val is None else len(val), "test": len(test)},
        "dropped_missing_target": int(len(df) - len(data)),
        "duplicate_rows_across_train_test": int(len(shared)),
    }
    return result


def _stratify_labels(labels: "_pd.Series", fraction: float) -> "Optional[_pd.Series]":
    """The labels to stratify on, or None when some class is too small to appear on both sides."""
    counts = labels.value_counts()
    smallest_side = min(fraction, 1 - fraction)
    if counts.min() < 2 or counts.min() * smallest_side < 1:
        return None
    return labels
