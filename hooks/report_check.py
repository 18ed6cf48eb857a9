"""Report check: when one of the plugin's agents finishes, its report must be on the report bus.

A hook of the ml-automation plugin (Claude Code: SubagentStop; Cursor: subagentStop). It reads the
hook's JSON input on stdin. When the agent that stopped is one of this plugin's agents that can save
a report (it has Bash or Write) and its newest report (of any stage, read with the runtime's own
`load_agent_report`; for ml-theory-advisor a gate's reflection report counts too) is missing, older
than the agent's run, or lacks a field the report bus reads, the agent is told what is missing, once,
and keeps working. Anything else, including a failure of this script, lets the agent stop: the hook
never blocks on its own failure.

    python3 report_check.py [--editor claude|cursor] < hook-input.json    (the editor is told by the input otherwise)
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

PLUGIN_ROOT = Path(__file__).resolve().parent.parent
PLUGIN_NAME = "ml-automation"
# Fields the report bus reads (get_workflow_status, load_agent_reports) and what each must be.
REQUIRED_FIELDS = {"status": "completed, failed or error", "summary": "one line on what the agent did", "saved_at": "set by save_agent_report"}
STATUSES = ("completed", "failed", "error")


def plugin_agents() -> set[str]:
    """Names of the agents this plugin defines (its agents/*.md files) that can save a report: a
    `tools` list naming Bash or Write, or none (every tool); not read-only (Cursor's `readonly`)."""
    found = set()
    for path in (PLUGIN_ROOT / "agents").glob("*.md"):
        head = path.read_text(encoding="utf-8").split("\n---", 1)[0]
        tools = next((line.split(":", 1)[1] for line in head.splitlines() if line.startswith("tools:")), None)
        readonly = any(line.replace(" ", "") == "readonly:true" for line in head.splitlines())
        if not readonly and (tools is None or {"Bash", "Write"} & {tool.strip() for tool in tools.split(",")}):
            found.add(path.stem)
    return found


def load_runtime() -> ModuleType:
    """The plugin's ml_utils.py, imported from its templates folder (standard library only)."""
    spec = importlib.util.spec_from_file_location("ml_utils_for_hooks", PLUGIN_ROOT / "templates" / "ml_utils.py")
    if spec is None or spec.loader is None:
        raise ImportError("templates/ml_utils.py cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def agent_started(transcript: str | None) -> str | None:
    """The UTC time the agent's run started (first timestamp of its transcript), or None."""
    if not transcript:
        return None
    try:
        with open(transcript, encoding="utf-8") as handle:
            for line in handle:
                stamp = json.loads(line).get("timestamp") if line.strip() else None
                if isinstance(stamp, str):
                    return stamp
    except (OSError, ValueError):
        return None
    return None


class Unreadable(str):
    """A report the report bus could not read: why."""


def parse_time(stamp: str) -> datetime | None:
    """A UTC time from an ISO 8601 text (a 'T' or a space between date and time; 'Z' for UTC), or None."""
    try:
        moment = datetime.fromisoformat(stamp.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def problems_of(report: Any, started: str | None) -> list[str]:
    """What is wrong with a report as the report bus reads it ([] when nothing)."""
    if report is None:
        return ["there is no report"]
    if isinstance(report, Unreadable):
        return [f"the report bus cannot read it ({report}); save it again"]
    if not isinstance(report, dict):
        return ["the report is not a JSON object"]
    found = []
    for field, expected in REQUIRED_FIELDS.items():
        value = report.get(field)
        if not isinstance(value, str) or not value.strip():
            found.append(f'"{field}" is missing ({expected})')
    if isinstance(report.get("status"), str) and report["status"] not in STATUSES:
        found.append(f'"status" is {report["status"]!r}, not one of {", ".join(STATUSES)}')
    saved, began = parse_time(str(report.get("saved_at") or "")), parse_time(started or "")
    if saved and began and saved < began:
        found.append(f"the report was saved at {report['saved_at']}, before this run started ({started}): it is an earlier run's")
    return found


def project_folder(hook_input: dict[str, Any]) -> str | None:
    """The folder the agent worked in (the input's cwd, else Cursor's first workspace root), or None.
    Raises ValueError for input of the wrong type (a string of folders is not a list of them)."""
    cwd, roots = hook_input.get("cwd"), hook_input.get("workspace_roots")
    if cwd is not None and not isinstance(cwd, str):
        raise ValueError(f"cwd is a {type(cwd).__name__}, not a folder")
    if roots is not None and not (isinstance(roots, list) and all(isinstance(root, str) for root in roots)):
        raise ValueError(f"workspace_roots is a {type(roots).__name__}, not a list of folders")
    return cwd or (roots[0] if roots else None)


def own_agent(name: str) -> Path | None:
    """The project's or the user's own agent file of this name (which Cursor starts instead of the
    plugin's, and names the same way), or None."""
    for folder in (Path(".cursor", "agents"), Path(".claude", "agents"), Path.home() / ".cursor" / "agents"):
        if (folder / f"{name}.md").is_file():
            return folder / f"{name}.md"
    return None


def check(hook_input: dict[str, Any], editor: str = "claude") -> str | None:
    """The message for an agent that stopped without a proper report, or None to let it stop.
    Claude Code names a plugin's agent `ml-automation:NAME`; a bare NAME there is the project's or
    the user's own agent, left alone. Cursor may name it without the plugin's name: a bare NAME that
    the project (or the user) defines an agent of is theirs, left alone too."""
    if hook_input.get("stop_hook_active"):
        return None
    agent = str(hook_input.get("agent_type") or hook_input.get("subagent_type") or "")
    cwd = project_folder(hook_input)
    if cwd:
        os.chdir(cwd)
    if agent.startswith(f"{PLUGIN_NAME}:"):
        name = agent.split(":", 1)[1]
    elif editor == "cursor" and not own_agent(agent):
        name = agent
    else:
        return None
    if name not in plugin_agents():
        return None
    try:
        runtime = load_runtime()
        report = runtime.load_agent_report(name)
        gates = [r for r in runtime.load_reflection_reports().values() if r.get("agent") == name]
        report = max([r for r in [report, *gates] if r], key=lambda r: str(r.get("saved_at", "")), default=None)
    except ValueError as error:  # the report bus cannot read the file: the agent must rewrite it
        report = Unreadable(str(error))
    found = problems_of(report, agent_started(hook_input.get("agent_transcript_path")))
    if not found:
        return None
    return (
        f"ml-automation report check: {name} is finishing without a complete report on the report bus: "
        f"{'; '.join(found)}. Before you stop, save it as your Agent Report Bus section shows, from the "
        f'project root: save_agent_report("{name}", {{"status": "completed", "summary": "...", ...}}, stage=STAGE) '
        "from ml_utils (status: completed, failed or error; STAGE: the stage you were started for)."
    )


def editor_of(hook_input: dict[str, Any]) -> str:
    """"cursor" when Cursor ran the hook (its event names are camelCase, its input names the
    workspace roots), else "claude"."""
    event = str(hook_input.get("hook_event_name") or "")
    return "cursor" if event[:1].islower() or "workspace_roots" in hook_input or "cursor_version" in hook_input else "claude"


def main(argv: list[str]) -> int:
    """Run the check for the editor named by --editor (default claude); always exit 0."""
    try:
        hook_input = json.loads(sys.stdin.read() or "{}")
        editor = argv[argv.index("--editor") + 1] if "--editor" in argv[:-1] else editor_of(hook_input)
        message = check(hook_input, editor)
    except Exception as error:  # noqa: BLE001 - a hook must never stop the agent because of itself
        print(f"ml-automation report check skipped: {type(error).__name__}: {error}", file=sys.stderr)
        return 0
    if message:
        answer = {"followup_message": message} if editor == "cursor" else {"decision": "block", "reason": message}
        print(json.dumps(answer))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
