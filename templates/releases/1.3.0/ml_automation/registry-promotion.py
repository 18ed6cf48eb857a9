# =============================================================================
# REGISTRY PROMOTION: HISTORY, ROLLBACK, PROMOTE, MODEL CARD
# =============================================================================

# The commands around the champion: `registry promote ID` (the promotion policy's verdict, rule by
# rule; promotes, or with --reason promotes anyway), `registry rollback` (the champion before the
# current one is champion again: a new history entry, nothing erased), `registry history` (every
# promotion: who, when, why, the champion before, the verdict) and `registry card ID` (a Markdown
# model card filled from the registry, with marked places for what only a person knows, written
# beside the artifact and uploaded with the model version when the MLflow mirror is on). The
# promotion itself, its policy and its record are the library's promote_model. A refusal exits with
# EXIT_REFUSED (4).

import argparse
import os
import re
import stat
from typing import Any, Optional

EXIT_REFUSED = 4
CARD_SUFFIX = ".card.md"
# How every card starts: a file is replaced as an earlier card only when it starts so.
_CARD_HEAD = "<!-- ml-automation model card:"
# The places only a person can fill: (key, title, what to write). Their text is kept when the card is written again.
_PERSON_PARTS = (
    ("intended-use", "Intended use", "Who should use this model, for what decisions, and what it must not be used for."),
    ("limitations", "Limitations", "Where it is known to fail: data it was not trained on, groups or periods it covers poorly, drift to watch."),
    ("ethical-considerations", "Ethical considerations", "Who could be harmed by its errors, sensitive features or proxies for them, and how its use is overseen."),
)
_PERSON_PART = re.compile(r"<!-- person: ([a-z-]+) -->\n(.*?)<!-- end person: \1 -->", re.S)


def _reason_arg(value: str) -> str:
    if not value.strip() or len(value) > 2000:
        raise argparse.ArgumentTypeError("a reason is 1-2000 characters saying why")
    return value.strip()


def _promotion_parsers(views: Any, common: Any) -> None:
    """Add promote, rollback, history and card to the registry command's views."""
    promote = views.add_parser("promote", help="make MODEL_ID the champion if the promotion policy allows it (--dry-run: only the verdict)",
                               description=f"The promotion policy's verdict on MODEL_ID ({PROMOTION_POLICY_FILE} in the registry folder, else the defaults), "
                                           "then the promotion. Exit status 0 promoted (with --dry-run: allowed), 1 unknown model or bad policy file, "
                                           f"{EXIT_REFUSED} refused (every failed rule named).")
    promote.add_argument("model_id", type=_model_id_arg, help="the model's id")
    promote.add_argument("--reason", type=_reason_arg, metavar="TEXT", help="promote even though the policy refuses, and record why")
    promote.add_argument("--dry-run", action="store_true", help="show the policy's verdict, change nothing")
    common(promote, False)
    rollback = views.add_parser("rollback", help="make the champion before the current one champion again (a new history entry)")
    rollback.add_argument("--reason", type=_reason_arg, metavar="TEXT", help="why, recorded in the history")
    rollback.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    common(rollback, False)
    common(views.add_parser("history", help="every promotion and rollback, newest first: who, when, why, the champion before, the verdict"), False)
    card = views.add_parser("card", help="write MODEL_ID's model card (Markdown) beside its artifact, filled from the registry")
    card.add_argument("model_id", type=_model_id_arg, help="the model's id")
    common(card, False)


def promotion_history(models: list[Entry]) -> list[Entry]:
    """Every promotion recorded on `models` (each a model's `promotions` entry, with its model_id),
    oldest first: at, by, action (promote or rollback), champion_before, verdict, failed, override_reason,
    reason (the comparison, naming the split that decided), split."""
    found = []
    for model in models:
        for record in _as_list(model.get("promotions")):
            if isinstance(record, dict):
                found.append(dict(record, model_id=model.get("model_id")))  # the model it sits on, whatever the record says
    return sorted(found, key=lambda record: (str(record.get("at") or ""), str(record.get("model_id"))))


def _history_line(record: Entry) -> list[str]:
    action = "rolled back to" if record.get("action") == "rollback" else "promoted"
    before = record.get("champion_before") or "none"
    lines = [f"- {when_text(record.get('at'))}: {action} {_cell(record.get('model_id'), 80)} by {_cell(record.get('by'), 40)}, "
             f"replacing {_cell(before, 80)}; policy {_cell(record.get('verdict'), 40)}"]
    lines.append(f"  why: {_cell(record.get('reason'), 300)}")
    if record.get("failed"):
        lines.append(f"  failed rules: {_cell('; '.join(str(f) for f in _as_list(record.get('failed'))), 400)}")
    if record.get("override_reason"):
        lines.append(f"  override reason: {_cell(record.get('override_reason'), 300)}")
    return lines


def history_view(snapshot: "_Snapshot", limit: int, everything: bool) -> tuple[Any, list[str], int]:
    """`registry history`: the promotions, newest first (data for --json, lines, exit status)."""
    history = promotion_history(snapshot.models)
    if not history:
        champion = snapshot.champion
        text = (f"No promotion recorded yet; the champion is {champion['model_id']} (promoted before promotions were recorded)." if champion else
                f"No promotion recorded yet: {count_text(len(snapshot.models), 'model')} registered, none promoted ({run_form('registry promote MODEL_ID')}).")
        return ("promotions", [], 0), [text], EXIT_OK
    rows = list(reversed(history)) if everything else list(reversed(history))[:limit]
    champion = snapshot.champion
    lines = [f"Promotion history, newest first ({count_text(len(history), 'promotion')}); champion now: {champion['model_id'] if champion else 'none'}."]
    for record in rows:
        lines += _history_line(record)
    return ("promotions", rows, len(history)), lines + _more(len(rows), len(history), "promotions (most recent)"), EXIT_OK


def _verdict_lines(verdict: Entry) -> list[str]:
    lines = [f"Comparison: {verdict.get('comparison')}"]
    if verdict.get("split") and verdict.get("split") != "test":
        lines[0] += f" (decided on the {verdict['split']} split; test metrics are reported, not used to choose)"
    policy = _as_dict(verdict.get("policy"))
    source = policy.get("file") or f"defaults (no {PROMOTION_POLICY_FILE} in the registry folder)"
    lines.append(f"Promotion policy: {source}; min_improvement {policy.get('min_improvement')}, "
                 f"required metrics {', '.join(map(str, _as_list(policy.get('required_metrics')))) or 'none'}, "
                 f"no_high_leakage {str(policy.get('no_high_leakage')).lower()}")
    failed = {str(text).split(":", 1)[0]: text for text in _as_list(verdict.get("failed"))}
    for rule, ok in _as_dict(verdict.get("rules")).items():
        lines.append(f"- {rule}: {'passed' if ok else 'FAILED: ' + _cell(str(failed.get(rule, '')).split(': ', 1)[-1], 300)}")
    return lines


def _last_promotion(model_id: str) -> Entry:
    """The latest promotion record of `model_id` as the registry holds it now ({} when none)."""
    models, _ = _read_lists("models", None)
    model = next((m for m in models or [] if m.get("model_id") == model_id), {})
    return ([r for r in _as_list(model.get("promotions")) if isinstance(r, dict)] or [{}])[-1]


def promote_view(model_id: str, reason: Optional[str], dry_run: bool) -> tuple[Any, list[str], int]:
    """`registry promote ID [--reason TEXT] [--dry-run]`: the policy's verdict, then the promotion (or
    the refusal, exit status EXIT_REFUSED, naming every failed rule)."""
    try:
        verdict = compare_with_champion(model_id)
    except RegistryError as error:
        return {"error": str(error)}, [f"Error: {error}"], EXIT_NOT_FOUND
    data = dict(verdict, promoted=False)
    lines = _verdict_lines(verdict)
    if verdict["champion_id"] == model_id:
        return data, [f"{model_id} is already the champion."] + lines, EXIT_OK
    if dry_run:
        # With --reason, what promote_model would do: every rule overridden but the artifact's.
        anyway = bool(reason) and not verdict["passed"] and verdict["rules"]["artifact"]
        verb = ("may be promoted" if verdict["passed"] else "would be promoted anyway, the reason recorded" if anyway
                else "would be refused" + ("" if reason else " (promote anyway with --reason TEXT)"))
        return data, [f"Dry run, nothing changed: {model_id} {verb}."] + lines, EXIT_OK if verdict["passed"] or anyway else EXIT_REFUSED
    try:
        promote_model(model_id, override_reason=reason)
    except RegistryError as error:
        said = str(error).split("; to promote anyway")[0]
        anyway = "" if reason or "artifact:" in said else f" To promote anyway, with the reason recorded: {change_form(f'registry promote {model_id} --reason TEXT')}."
        return dict(data, error=str(error)), [f"Refused: {said}.{anyway}"] + lines, EXIT_REFUSED
    # The verdict above was read before promote_model took the lock; what it applied is in the history.
    record = _last_promotion(model_id)
    before = record.get("champion_before", verdict["champion_id"])
    if before != verdict["champion_id"]:
        failed = [str(text) for text in _as_list(record.get("failed"))]
        verdict = dict(verdict, champion_id=before, comparison=record.get("reason"), failed=failed, reason="; ".join(failed) or record.get("reason"),
                       rules={rule: not any(text.startswith(rule + ":") for text in failed) for rule in verdict["rules"]})
        data = dict(verdict, promoted=False)
        lines = [f"The champion changed to {before} while this ran: the policy was applied again, against it."] + _verdict_lines(verdict)
    how = " anyway, the reason recorded" if verdict["failed"] else ""
    return dict(data, promoted=True), [f"Promoted {model_id}{how}; champion before: {before or 'none'}."] + lines, EXIT_OK


def rollback_target(models: list[Entry]) -> tuple[Optional[Entry], Optional[str], str]:
    """(the champion, the one a rollback makes champion again or None, why): the champion before the
    current one's latest promotion (not counting rollbacks), so a second rollback goes further back."""
    champion = _champion_of(models)
    if champion is None:
        return None, None, "there is no champion to roll back"
    promotions = [r for r in _as_list(champion.get("promotions")) if isinstance(r, dict) and r.get("action") != "rollback"]
    before = promotions[-1].get("champion_before") if promotions else champion.get("predecessor_id")
    if not before:
        return champion, None, f"the champion {champion['model_id']} replaced no earlier champion: there is nothing to roll back to"
    if before == champion["model_id"]:
        return champion, None, f"the history records the champion {before} as the champion before itself (edited by hand?): there is nothing to roll back to"
    if not any(m.get("model_id") == before for m in models):
        return champion, None, f"the champion before {champion['model_id']}, {before}, is no longer registered"
    return champion, str(before), ""


def rollback_view(reason: Optional[str], dry_run: bool) -> tuple[Any, list[str], int]:
    """`registry rollback [--reason TEXT] [--dry-run]`: make the champion before the current one the
    champion again (promote_model with action 'rollback': a new history entry, nothing erased)."""
    models, _ = _read_lists("models", None)
    champion, target, problem = rollback_target(models or [])
    if target is None or champion is None:
        return {"error": problem}, [f"Error: {problem}."], EXIT_NOT_FOUND
    data = {"from": champion["model_id"], "to": target, "rolled_back": False}
    if dry_run:
        try:
            verdict = compare_with_champion(target)
        except RegistryError as error:
            return dict(data, error=str(error)), [f"Error: {error}"], EXIT_NOT_FOUND
        # A rollback overrides every rule but the artifact's, as promote_model does.
        if not verdict["rules"]["artifact"]:
            problem = next(text for text in verdict["failed"] if text.startswith("artifact"))
            return dict(data, error=problem), [f"Dry run, nothing changed: a rollback to {target} would be refused: {problem}."], EXIT_REFUSED
        return data, [f"Dry run, nothing changed: a rollback would make {target} the champion again, replacing {champion['model_id']}."], EXIT_OK
    why = reason or f"rollback: {champion['model_id']} replaced by the champion before it"
    try:
        promote_model(target, override_reason=why, action="rollback")
    except RegistryError as error:
        return dict(data, error=str(error)), [f"Refused: {error}."], EXIT_REFUSED
    # Another agent may have promoted between the target chosen and the lock taken: say whom it replaced.
    replaced = _last_promotion(target).get("champion_before", champion["model_id"])
    meanwhile = "" if replaced == champion["model_id"] else f" (the champion had changed from {champion['model_id']} to {replaced} while this ran)"
    return dict(data, replaced=replaced, rolled_back=True), [
        f"Rolled back: {target} is the champion again, replacing {replaced}{meanwhile} (recorded in {run_form('registry history')})."], EXIT_OK


# --- The model card --------------------------------------------------------------------------


# What a registry value may not bring into a card: HTML (tags, comments that would hide the rest or fake
# a person's part), links and images, backslash escapes, a heading. As character references they read as text.
_MD_INERT = str.maketrans({c: f"&#{ord(c)};" for c in "&<>[]\\#"})


def _md(value: Any, width: int = 2000) -> str:
    """A value for one Markdown table cell: one line, '|' escaped (see _cell), no markup, '-' when empty."""
    if value in (None, "", [], {}):
        return "-"
    # _cell's text of any value (a list joined, a dict as JSON), '|' not yet escaped.
    text = _cell(value, 2**31).replace("\\|", "|")
    return _cell(text.translate(_MD_INERT), width)


def card_path(model: Entry, folder: str) -> str:
    """Where the card of `model` goes: <id>.card.md beside its artifact (models/ when it has none)."""
    artifact = model.get("artifact_path")
    below = os.path.dirname(os.path.normpath(artifact)) if isinstance(artifact, str) and artifact else "models"
    return os.path.join(_root(folder), below or ".", f"{model['model_id']}{CARD_SUFFIX}")


def _person_parts(path: str) -> dict[str, str]:
    """The text a person wrote in the marked places of an earlier card at `path` ({} when none)."""
    try:
        text = (_read_bytes(path) or b"").decode("utf-8", "replace")
    except OSError:
        return {}
    return {key: body for key, body in _PERSON_PART.findall(text)}


def card_markdown(snapshot: "_Snapshot", model: Entry, kept: Optional[dict[str, str]] = None) -> str:
    """The model card of `model` in Markdown, every field from the registry; the places only a person
    can fill hold `kept` (their earlier text) or an invitation to fill them."""
    kept = kept or {}
    lineage = snapshot.lineage(model, quick=False)
    experiment, version = _as_dict(lineage["experiment"]), _as_dict(lineage["data_version"])
    model_id = model["model_id"]

    def person(key: str, title: str, ask: str) -> list[str]:
        body = kept.get(key) or f"_To be written by a person: {ask}_\n"
        return [f"## {title}", "", f"<!-- person: {key} -->", body.rstrip("\n"), f"<!-- end person: {key} -->", ""]

    def table(headers: list[str], rows: list[list[Any]]) -> list[str]:
        return ["| " + " | ".join(map(_md, headers)) + " |", "|" + "---|" * len(headers)] + ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows] + [""]

    artifact = lineage["artifact"]
    lines = [f"{_CARD_HEAD} {model_id}; written by `{run_form('registry card ' + model_id)}` from the registry. "
             "Only the text between the \"person\" marks is kept when it is written again. -->",
             f"# Model card: {_md(model.get('name'), 120)} ({model_id})", "",
             "Filled from the project's registry; the parts marked \"To be written by a person\" are for the model's owner.", "",
             "## Model details", ""]
    lines += table(["Field", "Value"], [
        ["Model ID", model_id], ["Name", model.get("name")], ["Task type", model.get("task_type")],
        ["Algorithm", model.get("algorithm")], ["Framework", model.get("framework")], ["Status", snapshot.status(model)],
        ["Registered", when_text(model.get("created_at"))], ["Promoted", when_text(model.get("promoted_at")) if model.get("promoted_at") else None],
        ["Predecessor", model.get("predecessor_id")],
        ["Artifact", f"{model.get('artifact_path')} (sha256 {model.get('artifact_sha256')}, {model.get('artifact_bytes')} bytes; {artifact['state']})" if model.get("artifact_path") else None],
        ["Hyperparameters", ", ".join(f"{k}={v}" for k, v in _as_dict(model.get("hyperparameters")).items())],
    ])
    lines += person(*_PERSON_PARTS[0])
    lines += ["## Training data", ""]
    dataset = _as_dict(experiment.get("dataset"))
    lines += table(["Field", "Value"], [
        ["Data version (fingerprint)", model.get("data_fingerprint") or dataset.get("fingerprint")], ["Source", version.get("source_path")],
        ["Rows", version.get("rows")], ["Columns", version.get("columns")], ["Recorded", when_text(version.get("created_at")) if version else None],
        ["Target", dataset.get("target")], ["Split", dataset.get("split")], ["Training experiment", model.get("training_experiment_id")],
    ])
    metric, direction = TASK_TYPE_PRIMARY_METRIC.get(str(model.get("task_type")), (None, None))
    lines += ["## Evaluation", ""]
    if metric:
        lines += [f"Primary metric: {_averaged(metric)} ({direction} is better); the champion is chosen on the "
                  "validation split where models have one, and test metrics are reported.", ""]
    metrics = _as_dict(model.get("metrics"))
    splits = {name: values for name, values in metrics.items() if isinstance(values, dict)} or {"unknown split": metrics}
    names = list(dict.fromkeys(name for values in splits.values() for name, value in values.items() if not isinstance(value, dict)))
    lines += table(["Split"] + [_averaged(name) for name in names],
                   [[split] + [number_text(values.get(name)) if values.get(name) is not None else None for name in names] for split, values in splits.items()])
    lines += ["## Features", ""]
    features = {f.get("feature_id"): f for f in lineage["features"]}
    lines += table(["Feature", "Transformation", "Source columns", "Leakage risk"], [
        [name, _as_dict(features.get(name)).get("transformation"), ", ".join(map(str, _as_list(_as_dict(features.get(name)).get("source_columns")))),
         _as_dict(features.get(name)).get("leakage_risk", "not in the feature store")] for name in map(str, _as_list(model.get("feature_set")))])
    lines += ["## Lineage", "", f"Data {_md(model.get('data_fingerprint') or dataset.get('fingerprint'))} → features ({len(_as_list(model.get('feature_set')))}) "
              f"→ experiment {_md(model.get('training_experiment_id'))} → model {model_id}: " + ("complete." if lineage["complete"] else "gaps:"), ""]
    lines += [f"- {_md(gap, 300)}" for gap in lineage["gaps"]] + ([""] if lineage["gaps"] else [])
    facts = _as_dict(model.get("reproduction"))
    lines += ["## Reproduction", ""]
    lines += table(["Fact", "Value"], [
        ["Git commit", facts.get("git_commit")], ["Uncommitted changes", facts.get("git_dirty")], ["Python", facts.get("python")],
        ["Packages", ", ".join(f"{k} {v}" for k, v in _as_dict(facts.get("packages")).items())],
        ["Estimator", facts.get("estimator")], ["Seeds", ", ".join(f"{k}={v}" for k, v in _as_dict(facts.get("seeds")).items())],
    ])
    lines += ["## Promotion history and policy verdict", ""]
    history = [r for r in promotion_history(snapshot.models) if r.get("model_id") == model_id or r.get("champion_before") == model_id]
    lines += table(["When", "Action", "By", "Champion before", "Policy verdict", "Why", "Override reason"], [
        [when_text(r.get("at")), f"{'rollback to' if r.get('action') == 'rollback' else 'promote'} {r.get('model_id')}", r.get("by"),
         r.get("champion_before"), "; ".join([str(r.get("verdict"))] + [str(f) for f in _as_list(r.get("failed"))]), r.get("reason"), r.get("override_reason")]
        for r in history]) if history else ["No promotion of this model recorded.", ""]
    try:
        verdict = compare_with_champion(model_id, snapshot.folder)
        now = "passes" if verdict["passed"] else "fails: " + "; ".join(verdict["failed"])
        lines += [f"Policy verdict now, against the champion {verdict['champion_id'] or '(none)'}: {_md(now, 600)}.", ""]
    except RegistryError as error:
        lines += [f"Policy verdict now: cannot be computed ({_md(str(error), 300)}).", ""]
    for part in _PERSON_PARTS[1:]:
        lines += person(*part)
    return "\n".join(lines)


def _card_target(path: str, model_id: str, root: str = "") -> None:
    """Refuse to write the card to `path` when it or a folder on its way from the project folder `root`
    is a link, when it is not a regular file, or a file the plugin did not write (one not starting as
    every card of this model does)."""
    below = os.path.relpath(os.path.abspath(path), os.path.abspath(root or "."))
    parts = [] if below == os.pardir or below.startswith(os.pardir + os.sep) else below.split(os.sep)
    places = [os.path.join(root, *parts[:end]) for end in range(1, len(parts))]
    for place in [path, os.path.dirname(path)] + places:
        if place and os.path.islink(place):
            raise RegistryError(f"{place} is a symbolic link: a card is never written through one; remove the link")
    try:
        mode: Optional[int] = os.stat(path).st_mode
    except OSError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        raise RegistryError(f"{path} is not a regular file: a card is written only to a regular file")
    if mode is not None and not (_read_bytes(path) or b"").startswith(f"{_CARD_HEAD} {model_id};".encode()):
        raise RegistryError(f"{path} exists and is not this model's card written by ml-automation: it was left as it is; move it to write the card")


def card_view(snapshot: "_Snapshot", model_id: str) -> tuple[Any, list[str], int]:
    """`registry card ID`: write the model card beside the artifact (keeping a person's text), and upload
    it with the model version when the MLflow mirror is on."""
    model = next((m for m in snapshot.models if m.get("model_id") == model_id), None)
    if model is None:
        message = f"no model {model_id!r} in the registry (registered: {_id_list([str(m.get('model_id')) for m in snapshot.models], 10) or 'none'})"
        return {"error": message}, [f"Error: {message}"], EXIT_NOT_FOUND
    path = card_path(model, snapshot.folder)
    try:
        _card_target(path, model_id, _root(snapshot.folder))
        if not os.path.isdir(os.path.dirname(os.path.abspath(path))):
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        text = card_markdown(snapshot, model, _person_parts(path))
        _write_atomic(path, text.encode("utf-8"))
    except (RegistryError, OSError) as error:
        message = f"the card of {model_id} was not written: {getattr(error, 'strerror', None) or error}"
        return {"error": message}, [f"Error: {message}"], EXIT_USAGE
    data = {"card": os.path.abspath(path), "model_id": model_id, "bytes": len(text.encode("utf-8")), "mlflow": None}
    lines = [f"Wrote the model card of {model_id}: {os.path.abspath(path)} ({len(text.encode('utf-8'))} bytes). "
             "Fill in its intended use, limitations and ethical considerations; that text is kept when it is written again."]
    if mlflow_mirror_uri():
        problem = _load_mirror()
        uploaded = problem or _MIRROR["card"](snapshot.folder, model_id, path)
        data["mlflow"] = uploaded
        lines.append(f"MLflow: {uploaded}")
    return data, lines, EXIT_OK
