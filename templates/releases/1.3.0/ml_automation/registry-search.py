# =============================================================================
# REGISTRY SEARCH
# =============================================================================

# `registry models --where EXPR --sort KEY`: find models among thousands without paging. EXPR is a
# small language, tokenized and parsed here (never eval):
#
#   EXPR   := TERM ("or" TERM)*            TERM := FACTOR ("and" FACTOR)*
#   FACTOR := "not" FACTOR | "(" EXPR ")" | FIELD OP VALUE
#   OP     := == != < <= > >= ~ (contains, case-insensitive)
#   VALUE  := 0.9 | -3 | "text" | 'text' | word | 2026-01-01 | 2026-01-01T12:00 | true | false | null
#
# FIELD is one of: model_id, name, task_type, algorithm, framework, status, created_at, updated_at,
# promoted_at, training_experiment_id, data_fingerprint; tags (== holds when any tag is equal);
# feature (a name in the feature set); primary (the task type's primary metric, test split);
# params.NAME (hyperparameters); metrics.SPLIT.NAME or SPLIT.NAME (e.g. test.f1); a bare metric name
# (f1, rmse) is the headline metric (the test split, or metrics not given per split). A comparison with a
# missing value is false (`== null` finds missing ones). Dates compare as times (UTC when no offset).
# KEY is a FIELD, best first for a metric, else ascending; KEY:asc or KEY:desc says which.

import json
import math
import operator
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, Optional

_TOP_FIELDS = ("model_id", "name", "task_type", "algorithm", "framework", "status", "created_at", "updated_at", "promoted_at",
               "archived_at", "training_experiment_id", "data_fingerprint", "predecessor_id")
_DATE_FIELDS = ("created_at", "updated_at", "promoted_at", "archived_at")
_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<date>\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:\d{2})?)?)(?![\w.])
  | (?P<number>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?![\w.])
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<op>==|!=|<=|>=|<|>|~|=)
  | (?P<paren>[()])
  | (?P<word>[A-Za-z_][\w-]*(?:\.[\w-]+)*)
""", re.VERBOSE)
_OPERATORS = {"==", "!=", "<", "<=", ">", ">=", "~"}
# How deeply parentheses and `not` may nest: far beyond what a person writes, well within Python's recursion limit.
MAX_NESTING = 100


class SearchError(ValueError):
    """An expression or sort key `registry models` does not accept: the message names its column."""


def _tokens(text: str) -> list[tuple[str, Any, int]]:
    """(kind, value, column from 1) of each token of `text`, then ('end', None, column)."""
    found: list[tuple[str, Any, int]] = []
    at = 0
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None or match.lastgroup is None:
            raise SearchError(_at(text, at, f"unexpected character {text[at]!r}"))
        kind, raw = match.lastgroup, match.group()
        if kind == "string":
            found.append(("value", re.sub(r"\\(.)", r"\1", raw[1:-1]), at + 1))
        elif kind == "number":
            found.append(("value", _number_literal(raw), at + 1))
        elif kind == "date":
            found.append(("value", _date_value(raw, text, at), at + 1))
        elif kind == "op":
            if raw == "=":
                raise SearchError(_at(text, at, "'=' is not an operator: use == to compare"))
            found.append(("op", raw, at + 1))
        elif kind == "word":
            lowered = raw.lower()
            if lowered in ("and", "or", "not"):
                found.append((lowered, lowered, at + 1))
            elif lowered in ("true", "false", "null"):
                found.append(("value", {"true": True, "false": False, "null": None}[lowered], at + 1))
            else:
                found.append(("word", raw, at + 1))
        elif kind == "paren":
            found.append((raw, raw, at + 1))
        at = match.end()
    return found + [("end", None, len(text) + 1)]


def _number_literal(raw: str) -> Any:
    """A number token as an int, or a float when it has a point or an exponent, or has more digits
    than Python turns into an int (a float of it still compares as the number it is)."""
    if not any(c in raw for c in ".eE"):
        try:
            return int(raw)
        except ValueError:
            pass
    return float(raw)


def _date_value(raw: str, text: str, at: int) -> datetime:
    moment = _registry_time(raw.replace(" ", "T"))
    if moment is None:
        raise SearchError(_at(text, at, f"{raw!r} is not a date (YYYY-MM-DD, optionally THH:MM[:SS] and an offset)"))
    return moment


# How much of a long expression an error shows on each side of its column.
_EXCERPT = 60


def _at(text: str, at: int, problem: str) -> str:
    """`problem` at column at+1 of `text`, with the expression (around the column when it is long)
    and a caret under the column."""
    start, end = max(0, at - _EXCERPT), min(len(text), at + _EXCERPT)
    excerpt = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
    return f"column {at + 1}: {problem}\n  {excerpt}\n  {' ' * (at - start + (1 if start else 0))}^"


def _field_getter(name: str) -> Callable[[Entry], Any]:
    """The value of field `name` in a model entry (_MISSING when it has none): see the section comment."""
    parts = name.split(".")
    if name in _TOP_FIELDS:
        return lambda model: model.get(name, _MISSING)
    if name in ("tags", "tag"):
        return lambda model: _as_list(model.get("tags"))
    if name in ("feature", "features"):
        return lambda model: _as_list(model.get("feature_set"))
    if name == "primary":
        return lambda model: _value_or_missing(primary_value(model)[2])
    if parts[0] in ("params", "hyperparameters") and len(parts) == 2:
        return lambda model: _as_dict(model.get("hyperparameters")).get(parts[1], _MISSING)
    if parts[0] == "metrics":
        parts = parts[1:]
    if len(parts) == 2:
        return lambda model: _value_or_missing(_as_dict(_as_dict(model.get("metrics")).get(parts[0])).get(parts[1]))
    if len(parts) == 1:
        return lambda model: _value_or_missing(_headline_metrics(model.get("metrics")).get(parts[0]))
    raise KeyError(name)


def _value_or_missing(value: Any) -> Any:
    return _MISSING if value is None else value


def _compare(op: str, left: Any, right: Any) -> bool:
    """`left OP right` for one field value (never raises: values of another kind compare false)."""
    if right is None:
        missing = left is _MISSING or left is None or left == []
        return missing if op == "==" else not missing if op == "!=" else False
    if left is _MISSING or left is None:
        return False
    if isinstance(left, list):
        found = any(_compare("==" if op == "!=" else op, item, right) for item in left if not isinstance(item, list))  # one level: tags, a tuple parameter
        return not found if op == "!=" else found
    if op == "~":
        return str(right).lower() in str(left).lower()
    if isinstance(right, datetime):
        left = _registry_time(left) if isinstance(left, str) else None
        if left is None:
            return False
    elif isinstance(right, bool) or isinstance(left, bool):
        if not (isinstance(right, bool) and isinstance(left, bool)):
            return False
    elif isinstance(right, (int, float)):
        left = _finite(left)
        if left is None:
            return False
    elif isinstance(right, str):
        if not isinstance(left, str):
            left = str(left)
    if op == "==":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if isinstance(right, bool):
        return False
    return bool({"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op])


_ORDERS: dict[str, Callable[[Any, Any], bool]] = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq}


def _test_for(op: str, literal: Any) -> Callable[[Any], bool]:
    """`value OP literal` as a function of the value (_compare, with a fast path for a plain number
    compared with a number: the common case at 10,000 models)."""
    order = _ORDERS.get(op)
    if order is None or isinstance(literal, bool) or not isinstance(literal, (int, float)):
        return lambda value: _compare(op, value, literal)

    def test(value: Any) -> bool:
        kind = type(value)
        if kind is float or kind is int:
            return order(value, literal)  # NaN compares false, as _compare has it
        return _compare(op, value, literal)

    return test


class ModelQuery:
    """A parsed `--where` expression: `matches(model)` tells whether a model entry satisfies it;
    `fields` are the field names it uses. Raises SearchError (with the column) for a bad expression."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.fields: list[str] = []
        self._tokens = _tokens(text)
        self._at = 0
        self._depth = 0
        if self._tokens[0][0] == "end":
            raise SearchError(_at(text, 0, "the expression is empty: e.g. test.f1 > 0.9 and task_type == classification"))
        self.matches = self._or()
        kind, value, column = self._tokens[self._at]
        if kind != "end":
            raise SearchError(_at(text, column - 1, f"expected 'and', 'or' or the end, found {value!r}"))

    def _next(self) -> tuple[str, Any, int]:
        token = self._tokens[self._at]
        self._at += 1
        return token

    def _joined(self, word: str, operand: Callable[[], Callable[[Entry], bool]], combine: Callable[[Any], bool]) -> Callable[[Entry], bool]:
        """Operands joined by `word` ('or': any holds, 'and': all hold)."""
        parts = [operand()]
        while self._tokens[self._at][0] == word:
            self._at += 1
            parts.append(operand())
        return parts[0] if len(parts) == 1 else (lambda model: combine(part(model) for part in parts))

    def _or(self) -> Callable[[Entry], bool]:
        return self._joined("or", self._and, any)

    def _and(self) -> Callable[[Entry], bool]:
        return self._joined("and", self._factor, all)

    def _factor(self) -> Callable[[Entry], bool]:
        kind, value, column = self._next()
        if kind in ("not", "(") and self._depth >= MAX_NESTING:
            raise SearchError(_at(self.text, column - 1, f"the expression is nested too deeply (more than {MAX_NESTING} parentheses or 'not' inside each other)"))
        if kind == "not":
            self._depth += 1
            inner = self._factor()
            self._depth -= 1
            return lambda model: not inner(model)
        if kind == "(":
            self._depth += 1
            inner = self._or()
            self._depth -= 1
            closing, found, where = self._next()
            if closing != ")":
                raise SearchError(_at(self.text, where - 1, f"expected ')' to close the '(' of column {column}, found {'the end' if closing == 'end' else repr(found)}"))
            return inner
        if kind != "word":
            what = "the end" if kind == "end" else repr(value)
            raise SearchError(_at(self.text, column - 1, f"expected a field (e.g. test.f1, task_type, params.max_depth, created_at), found {what}"))
        try:
            getter = _field_getter(value)
        except KeyError:
            raise SearchError(_at(self.text, column - 1, f"{value!r} is not a field: use metrics.SPLIT.NAME (or SPLIT.NAME), params.NAME, "
                                  f"a metric name, tags, feature, primary or {', '.join(_TOP_FIELDS[:6])}, ...")) from None
        self.fields.append(value)
        op_kind, op, op_column = self._next()
        if op_kind != "op" or op not in _OPERATORS:
            raise SearchError(_at(self.text, op_column - 1, f"expected an operator (== != < <= > >= ~) after {value!r}, found "
                                  f"{'the end' if op_kind == 'end' else repr(op)}"))
        value_kind, literal, value_column = self._next()
        if value_kind == "word":
            literal = str(literal)  # a bare word on the right is text: status == champion
        elif value_kind != "value":
            raise SearchError(_at(self.text, value_column - 1, f"expected a value after {op!r} (a number, \"text\", a date, true, false or null), "
                                  f"found {'the end' if value_kind == 'end' else repr(literal)}"))
        if op in ("<", "<=", ">", ">=") and (literal is None or isinstance(literal, bool)):
            raise SearchError(_at(self.text, value_column - 1, f"{op!r} needs a number, a text or a date, not {literal!r}"))
        if value in _DATE_FIELDS and isinstance(literal, str) and op != "~":
            literal = _date_value(literal, self.text, value_column - 1)
        if op == "~" and not isinstance(literal, str):
            raise SearchError(_at(self.text, value_column - 1, "'~' (contains) needs a text"))
        test = _test_for(op, literal)
        return lambda model: test(getter(model))


def parse_sort_key(text: str) -> tuple[str, Callable[[Entry], Any], bool]:
    """(field, getter, descending) of a --sort KEY (see the section comment): a metric field is
    sorted best first unless KEY:asc or KEY:desc says otherwise. Raises SearchError."""
    name, _, order = text.strip().partition(":")
    if name.startswith("-"):
        name, order = name[1:], order or "desc"
    if order not in ("", "asc", "desc"):
        raise SearchError(_at(text, len(name) + 1, f"expected asc or desc after ':', found {order!r}"))
    tokens = _tokens(name)
    if len(tokens) != 2 or tokens[0][0] != "word":
        raise SearchError(_at(text, 0, f"{name!r} is not a field to sort by (e.g. test.f1, created_at, params.max_depth)"))
    try:
        getter = _field_getter(name)
    except KeyError:
        raise SearchError(_at(text, 0, f"{name!r} is not a field to sort by (e.g. test.f1, created_at, params.max_depth)")) from None
    metric = "primary" if name == "primary" else name.split(".")[-1]
    if order:
        return name, getter, order == "desc"
    if name == "primary" or (name not in _TOP_FIELDS and name.split(".")[0] not in ("params", "hyperparameters", "tags", "tag", "feature", "features")):
        return name, getter, METRIC_DIRECTIONS.get(metric, "higher") == "higher"
    return name, getter, False


def search_models(models: list[Entry], where: Optional[ModelQuery], sort: Optional[str]) -> list[Entry]:
    """The models matching `where` (all when None), ordered by `sort` (see parse_sort_key; models
    without a value last) or the most recent first."""
    chosen = [m for m in models if where.matches(m)] if where is not None else list(models)
    if not sort:
        return _recent(chosen)
    name, getter, descending = parse_sort_key(sort)
    if name == "primary":
        return _sorted_by_primary(chosen, descending)
    keyed: list[tuple[tuple[int, Any], Entry]] = []
    without: list[Entry] = []
    for model in chosen:
        key = _sort_value(getter(model))
        if key is None:
            without.append(model)
        else:
            keyed.append((key, model))
    groups: dict[int, list[tuple[Any, Entry]]] = {}
    for key, model in keyed:
        groups.setdefault(key[0], []).append((key, model))
    ordered: list[Entry] = []
    for rank in sorted(groups):
        ordered += [m for _, m in sorted(groups[rank], key=lambda pair: pair[0][1], reverse=descending)]
    return ordered + without


def _sort_value(value: Any) -> Optional[tuple[int, Any]]:
    """(kind rank, comparable) for sorting mixed values: numbers, then times, then text; None when missing."""
    if value is _MISSING or value is None or value == [] or (isinstance(value, float) and not math.isfinite(value)):
        return None
    number = _finite(value)
    if number is not None:
        return 0, float(number)
    if isinstance(value, str):
        moment = _registry_time(value) if re.match(r"\d{4}-\d{2}-\d{2}", value) else None
        return (1, moment.timestamp()) if moment else (2, value)
    return 2, json.dumps(value, sort_keys=True, default=str)


def _sorted_by_primary(models: list[Entry], descending: bool) -> list[Entry]:
    """Models by their own task type's primary metric, best first (`descending` False: worst first)."""
    keyed: list[tuple[float, Entry]] = []
    without: list[Entry] = []
    for model in models:
        metric, _, value = primary_value(model)
        number = _finite(value)
        if number is None or metric is None:
            without.append(model)
            continue
        better_high = METRIC_DIRECTIONS.get(metric, "higher") == "higher"
        keyed.append(((-float(number) if better_high else float(number)), model))
    keyed.sort(key=lambda pair: pair[0], reverse=not descending)
    return [m for _, m in keyed] + without


def _seen_fields(models: list[Entry], limit: int = 12) -> list[str]:
    """Metric and parameter fields the registered models have, for a hint when nothing matches."""
    seen: dict[str, None] = {}
    for model in models[-200:]:
        for split, values in _as_dict(model.get("metrics")).items():
            for name in _as_dict(values) if isinstance(values, dict) else [split]:
                seen[f"{split}.{name}" if isinstance(values, dict) else split] = None
        for name in _as_dict(model.get("hyperparameters")):
            seen[f"params.{name}"] = None
    return list(seen)[:limit]


def search_view(snapshot: "_Snapshot", where: Optional[ModelQuery], sort: Optional[str], limit: int, everything: bool) -> tuple[Any, list[str]]:
    """`registry models --where EXPR --sort KEY`: (('models', rows, matched), lines) with the table of
    the matching models, a column for the sort key, and a hint when nothing matches."""
    # status as every view shows it: of several marked champion, only the champion is one (see _Snapshot.status)
    models = [dict(m, status="archived") if m.get("status") == "champion" and m is not snapshot.champion else m for m in snapshot.models]
    found = search_models(models, where, sort)
    rows = found if everything else found[:limit]
    headers = ["Model ID", "Name", "Task Type", "Algorithm", "Status", "Primary Metric", "Created"]
    key_name, getter = None, None
    if sort:
        key_name, getter, _ = parse_sort_key(sort)
        if key_name in ("primary", "created_at", "model_id", "name", "task_type", "algorithm", "status"):
            key_name = None
    table_rows = []
    for m in rows:
        row = [m["model_id"], m.get("name"), m.get("task_type"), m.get("algorithm"), snapshot.status(m), primary_text(m), _created(m)]
        if key_name and getter:
            value = getter(m)
            row.append(None if value is _MISSING else value)
        table_rows.append(row)
    what = " and ".join(part for part in (f"matching `{_clip(where.text, 200)}`" if where else "", f"sorted by {_clip(sort or '', 60)}" if sort else "") if part)
    lines = [f"Models {what}: {len(found):,} of {len(snapshot.models):,}"]
    if not found:
        unknown = [name for name in (where.fields if where else []) if not any(_compare("!=", _field_getter(name)(m), None) for m in snapshot.models)]
        if unknown:
            lines.append(f"No registered model has {', '.join(repr(n) for n in unknown[:4])}; fields they have: {', '.join(_seen_fields(snapshot.models)) or 'none'}, "
                         "and model_id, name, task_type, algorithm, status, tags, feature, primary, created_at.")
        return ("models", [], 0), lines
    lines += _table(headers + ([_clip(key_name, 30)] if key_name else []), table_rows)
    lines += _more(len(rows), len(found), "matching models")
    return ("models", rows, len(found)), lines
