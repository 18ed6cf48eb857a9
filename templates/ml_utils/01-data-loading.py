# =============================================================================
# 1. DATA LOADING
# =============================================================================

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as _pd

_READERS = {
    ".csv": "read_csv",
    ".tsv": "read_csv",
    ".txt": "read_csv",
    ".parquet": "read_parquet",
    ".pq": "read_parquet",
    ".xlsx": "read_excel",
    ".xls": "read_excel",
    ".json": "read_json",
    ".jsonl": "read_json",
}


def load_data(path: str, **kwargs: Any) -> "_pd.DataFrame":
    """Load a table from csv/tsv, parquet, excel or json/jsonl into a pandas DataFrame.

    The format comes from the extension (compressed csv such as `.csv.gz` works too). Extra keyword
    arguments go to the pandas reader. Raises FileNotFoundError for a missing file and ValueError for
    an unknown extension or an empty table.
    """
    import pandas as pd

    if not os.path.isfile(path):
        raise FileNotFoundError(f"no data file at {path!r} (working directory: {os.getcwd()})")
    name = path.lower()
    for compression in (".gz", ".bz2", ".zip", ".xz", ".zst"):
        if name.endswith(compression):
            name = name[: -len(compression)]
    ext = os.path.splitext(name)[1]
    reader = _READERS.get(ext)
    if reader is None:
        known = ", ".join(sorted(_READERS))
        raise ValueError(f"cannot load {path!r}: unknown extension {ext or '(none)'!r}; expected one of {known}")
    if ext == ".tsv":
        kwargs.setdefault("sep", "\t")
    if ext == ".jsonl":
        kwargs.setdefault("lines", True)
    df = getattr(pd, reader)(path, **kwargs)
    if df.shape[1] == 0 or df.shape[0] == 0:
        raise ValueError(f"{path!r} holds no rows or no columns (shape {df.shape})")
    return df
