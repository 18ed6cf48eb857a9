# =============================================================================
# 8. REFLECTION REPORTS
# =============================================================================

import os
from collections.abc import Sequence
from typing import Any, Optional

# ml-theory-advisor reviews a plan before it runs (a "gate") and approves it or asks for a revision.
REFLECTION_VERDICTS = ("approve", "revise")


def save_reflection_report(gate: str, report: dict[str, Any], output_dir: Optional[str] = None) -> str:
    """Record a reflection gate's outcome as `reflection_<gate>.json` in the report folder.

    `report` is a dict with `verdict` ('approve' or 'revise') and usually `summary`, `concerns` and
    `required_changes`. Adds `gate`, `saved_at` (UTC) and `iteration` (1 + the previous iteration of
    the same gate), `agent` ('ml-theory-advisor') and a default `status`: it is that agent's report
    for the gate. Returns the path written. Raises ValueError for an unknown verdict or gate name."""
    _check_name("gate", gate)
    if not isinstance(report, dict) or report.get("verdict") not in REFLECTION_VERDICTS:
        found = report.get("verdict") if isinstance(report, dict) else report
        raise ValueError(f"reflection report needs verdict 'approve' or 'revise', got {found!r}")
    previous = load_reflection_report(gate)
    entry = dict(report)
    entry.setdefault("status", "completed")
    entry.setdefault("agent", "ml-theory-advisor")
    entry["gate"] = gate
    entry["iteration"] = int(previous.get("iteration", 0)) + 1 if previous else 1
    entry["saved_at"] = _utc_now()
    folder = output_dir or _platform_subdir("reports", "ML_AUTOMATION_REPORTS_DIR")
    return _write_json_atomic(os.path.join(folder, f"reflection_{gate}.json"), entry)


def load_reflection_report(gate: str, search_dirs: Optional[Sequence[str]] = None) -> Optional[dict[str, Any]]:
    """Return the newest reflection report of `gate`, or None if the gate has not run."""
    _check_name("gate", gate)
    return _newest_json(f"reflection_{gate}.json", search_dirs or _report_search_dirs())


def load_reflection_reports(search_dirs: Optional[Sequence[str]] = None) -> dict[str, dict[str, Any]]:
    """Return {gate: newest reflection report} for every gate that has run."""
    folders = search_dirs or _report_search_dirs()
    gates = {name[len("reflection_"):-5] for folder in folders if os.path.isdir(folder) for name in os.listdir(folder)
             if name.startswith("reflection_") and name.endswith(".json")}
    reports = {gate: _newest_json(f"reflection_{gate}.json", folders) for gate in sorted(gates)}
    return {gate: report for gate, report in reports.items() if report is not None}


def gate_approved(gate: str, search_dirs: Optional[Sequence[str]] = None) -> bool:
    """True when the newest reflection report of `gate` approves."""
    report = load_reflection_report(gate, search_dirs)
    return report is not None and report.get("verdict") == "approve"
