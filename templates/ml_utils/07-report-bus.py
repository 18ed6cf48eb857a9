# =============================================================================
# 7. AGENT REPORT BUS
# =============================================================================

import os
from collections.abc import Iterable, Sequence
from typing import Any, Optional

# Agents run in sequence and in parallel; each reads the reports of those before it and leaves its
# own, `<agent>_report.json` (`<agent>@<stage>_report.json` for a stage of a workflow, so an agent
# run at several stages keeps each report), in the project's report folder (see PLATFORM_DIRS).
REPORT_SUFFIX = "_report.json"
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


def _utc_now() -> str:
    """The current time as a UTC ISO 8601 string."""
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).isoformat()


def _check_name(kind: str, name: object) -> str:
    """Refuse names that are empty, too long or could leave the report folder."""
    if not isinstance(name, str) or not 0 < len(name) <= 100 or not set(name) <= _NAME_CHARS or name.startswith("."):
        raise ValueError(f"{kind} {name!r} must be 1-100 letters, digits, '.', '_' or '-', not starting with '.'")
    return name


def _report_search_dirs() -> list[str]:
    """Report folders to read, in preference order: $ML_AUTOMATION_REPORTS_DIR, then every platform."""
    override = os.environ.get("ML_AUTOMATION_REPORTS_DIR")
    return ([override] if override else []) + _platform_search_dirs("reports")


def _newest_json(filename: str, search_dirs: Iterable[str]) -> Optional[dict[str, Any]]:
    """The copy of `filename` with the latest `saved_at` across `search_dirs`, or None."""
    newest: Optional[dict[str, Any]] = None
    for folder in search_dirs:
        data = _read_json(os.path.join(folder, filename))
        if isinstance(data, dict) and (newest is None or str(data.get("saved_at", "")) > str(newest.get("saved_at", ""))):
            newest = data
    return newest


def save_agent_report(agent_name: str, report: dict[str, Any], output_dir: Optional[str] = None, stage: Optional[str] = None) -> str:
    """Save an agent's report (a dict: status, summary, findings, recommendations, artifacts, and the
    ids it recorded: data_fingerprint, experiment_id, model_id, artifact) as `<agent>_report.json` in
    the project's report folder, or `output_dir`; with a `stage` (argument or key, e.g. 'stage-4') as
    `<agent>@<stage>_report.json`, and saved again for that stage it adds to it (the keys given
    replace theirs). Adds `agent`, `saved_at` (UTC) and a default `status` of 'completed'. Returns the
    path written. Raises ValueError for an invalid name or a non-dict."""
    _check_name("agent name", agent_name)
    if not isinstance(report, dict):
        raise ValueError(f"report must be a dict, got {type(report).__name__}")
    stage = stage or report.get("stage")
    folder = output_dir or _platform_subdir("reports", "ML_AUTOMATION_REPORTS_DIR")
    path = os.path.join(folder, agent_name + (f"@{_check_name('stage', stage)}" if stage else "") + REPORT_SUFFIX)
    earlier = _read_json(path) if stage else None
    entry = {**(earlier if isinstance(earlier, dict) else {}), **report}
    entry.setdefault("status", "completed")
    entry.update(agent=agent_name, saved_at=_utc_now(), **({"stage": stage} if stage else {}))
    return _write_json_atomic(path, entry)


def _report_keys(folders: Sequence[str]) -> list[str]:
    """Every `<agent>` and `<agent>@<stage>` that has a report in `folders`."""
    eda = EDA_REPORT_FILE[: -len(REPORT_SUFFIX)]
    return sorted({
        name[: -len(REPORT_SUFFIX)]
        for folder in folders if os.path.isdir(folder)
        for name in os.listdir(folder) if name.endswith(REPORT_SUFFIX) and name[: -len(REPORT_SUFFIX)] != eda
    })


def load_agent_report(agent_name: str, search_dirs: Optional[Sequence[str]] = None, stage: Optional[str] = None) -> Optional[dict[str, Any]]:
    """Return the newest report of one agent (of one `stage` when given, else of any) across the
    report folders, or None."""
    _check_name("agent name", agent_name)
    folders = search_dirs or _report_search_dirs()
    if stage:
        return _newest_json(f"{agent_name}@{_check_name('stage', stage)}{REPORT_SUFFIX}", folders)
    keys = [k for k in _report_keys(folders) if k.split("@")[0] == agent_name]
    return _newest_json_of([k + REPORT_SUFFIX for k in keys], folders)


def _newest_json_of(filenames: Iterable[str], folders: Sequence[str]) -> Optional[dict[str, Any]]:
    found = [report for report in (_newest_json(name, folders) for name in filenames) if report is not None]
    return max(found, key=lambda report: str(report.get("saved_at", ""))) if found else None


def load_agent_reports(search_dirs: Optional[Sequence[str]] = None, stages: bool = False) -> dict[str, dict[str, Any]]:
    """Return {agent: newest report} for every agent that has left a report; with stages=True
    {`<agent>` or `<agent>@<stage>`: report}, every report of every stage."""
    folders = search_dirs or _report_search_dirs()
    keys = _report_keys(folders)
    if stages:
        reports = {key: _newest_json(key + REPORT_SUFFIX, folders) for key in keys}
    else:
        reports = {agent: load_agent_report(agent, folders) for agent in {key.split("@")[0] for key in keys}}
    return {key: report for key, report in sorted(reports.items()) if report is not None}


def get_workflow_status(expected_agents: Optional[Iterable[str]] = None, search_dirs: Optional[Sequence[str]] = None) -> dict[str, Any]:
    """Summarise a workflow from the reports: which agents completed, failed or are still pending
    (of `expected_agents`, when given), with each report's status and time. Returns a dict with
    `completed`, `failed`, `pending` (sorted lists) and `agents` ({agent: {status, saved_at, summary}})."""
    reports = load_agent_reports(search_dirs)
    agents = {
        name: {"status": report.get("status"), "saved_at": report.get("saved_at"), "summary": report.get("summary")}
        for name, report in sorted(reports.items())
    }
    completed = [name for name, info in agents.items() if info["status"] == "completed"]
    failed = [name for name, info in agents.items() if info["status"] in ("failed", "error")]
    pending = sorted(set(expected_agents or []) - set(completed) - set(failed))
    return {"completed": completed, "failed": failed, "pending": pending, "agents": agents}
