# =============================================================================
# 2. COLUMN TYPE DETECTION
# =============================================================================

from collections.abc import Hashable
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    import pandas as _pd


def detect_column_types(
    df: "_pd.DataFrame",
    target: Optional[Hashable] = None,
    max_categories: int = 20,
    id_uniqueness: float = 0.95,
    text_min_length: int = 30,
) -> dict[str, list[Hashable]]:
    """Sort the columns of `df` into kinds an agent can act on.

    Returns a dict with the lists `numeric`, `categorical`, `boolean`, `datetime`, `text` and `id`
    (every column except `target` in exactly one list). Object columns that parse as dates count as
    datetime; string columns whose values are mostly unique count as id when short, text when long;
    integer columns with every value distinct count as id.
    """
    import pandas as pd

    kinds: dict[str, list[Hashable]] = {"numeric": [], "categorical": [], "boolean": [], "datetime": [], "text": [], "id": []}
    rows = len(df)
    for column in df.columns:
        if column == target:
            continue
        series = df[column]
        non_null = series.dropna()
        unique = non_null.nunique()
        if pd.api.types.is_bool_dtype(series) or (unique == 2 and set(non_null.unique()) <= {0, 1}):
            kinds["boolean"].append(column)
        elif pd.api.types.is_datetime64_any_dtype(series):
            kinds["datetime"].append(column)
        elif pd.api.types.is_numeric_dtype(series):
            is_id = pd.api.types.is_integer_dtype(series) and rows > 50 and unique == rows
            kinds["id" if is_id else "numeric"].append(column)
        elif _looks_like_dates(non_null):
            kinds["datetime"].append(column)
        elif unique <= max_categories or (rows and unique / rows < 0.5):
            kinds["categorical"].append(column)
        elif non_null.astype(str).str.len().mean() >= text_min_length:
            kinds["text"].append(column)
        elif rows and unique / rows >= id_uniqueness:
            kinds["id"].append(column)
        else:
            kinds["categorical"].append(column)
    return kinds


def _looks_like_dates(values: "_pd.Series", sample: int = 200) -> bool:
    """True when a sample of string values parses as dates."""
    import warnings

    import pandas as pd

    head = values.astype(str).head(sample)
    if head.empty or not head.str.contains(r"\d").all():
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = pd.to_datetime(head, errors="coerce")
    return bool(parsed.notna().mean() >= 0.9)


def detect_task_type(df: "_pd.DataFrame", target: Hashable, max_classes: int = 20) -> str:
    """Guess the task from the target column: 'classification' for booleans, strings and integer
    columns with at most `max_classes` values, else 'regression'. Raises KeyError for a missing target."""
    import pandas as pd

    if target not in df.columns:
        raise KeyError(f"target {target!r} is not a column; columns are {list(df.columns)}")
    series = df[target].dropna()
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        return "classification"
    if pd.api.types.is_integer_dtype(series) or (series % 1 == 0).all():
        return "classification" if series.nunique() <= max_classes else "regression"
    return "regression"
