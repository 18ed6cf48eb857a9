# =============================================================================
# 3. PREPROCESSING PIPELINE
# =============================================================================

from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    import pandas as _pd
    import sklearn.compose as _sklearn_compose


def build_preprocessor(
    column_types: Mapping[str, Sequence[Hashable]], scale_numeric: bool = True, max_categories: Optional[int] = 50
) -> "_sklearn_compose.ColumnTransformer":
    """Build an unfitted scikit-learn ColumnTransformer from `detect_column_types` output.

    Numeric columns: median imputation (+ standard scaling). Categorical and boolean columns: most
    frequent imputation + one-hot encoding that ignores unseen categories. Datetime columns become
    year, month, day-of-week and day-of-year. Text and id columns are dropped. Fit it on training
    data only (see `split_data`), inside a Pipeline with the model.
    """
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    numeric_steps = [("impute", SimpleImputer(strategy="median"))]
    if scale_numeric:
        numeric_steps.append(("scale", StandardScaler()))
    categorical = Pipeline([
        ("impute", SimpleImputer(strategy="most_frequent")),
        ("encode", OneHotEncoder(handle_unknown="ignore", max_categories=max_categories)),
    ])
    dates = Pipeline([
        ("parts", FunctionTransformer(_date_parts, feature_names_out=_date_part_names)),
        ("impute", SimpleImputer(strategy="median")),
    ])
    transformers = []
    if column_types.get("numeric"):
        transformers.append(("numeric", Pipeline(numeric_steps), list(column_types["numeric"])))
    categorical_columns = list(column_types.get("categorical", [])) + list(column_types.get("boolean", []))
    if categorical_columns:
        transformers.append(("categorical", categorical, categorical_columns))
    if column_types.get("datetime"):
        transformers.append(("datetime", dates, list(column_types["datetime"])))
    if not transformers:
        raise ValueError("no numeric, categorical, boolean or datetime columns to preprocess")
    return ColumnTransformer(transformers, remainder="drop", verbose_feature_names_out=True)


def _date_parts(frame: "_pd.DataFrame") -> "_pd.DataFrame":
    """Expand each datetime column into year, month, day of week and day of year."""
    import pandas as pd

    parts = {}
    for column in frame.columns:
        values = pd.to_datetime(frame[column], errors="coerce")
        parts[f"{column}_year"] = values.dt.year
        parts[f"{column}_month"] = values.dt.month
        parts[f"{column}_dayofweek"] = values.dt.day_of_week
        parts[f"{column}_dayofyear"] = values.dt.day_of_year
    return pd.DataFrame(parts, index=frame.index).astype("float64")


def _date_part_names(transformer: Any, input_features: Iterable[Hashable]) -> list[str]:
    """Output names of `_date_parts`, for get_feature_names_out."""
    return [f"{column}_{part}" for column in input_features for part in ("year", "month", "dayofweek", "dayofyear")]
