"""Registry guard: a model's hand-made write to a registry file is checked before it lands.

A hook of the ml-automation plugin (Claude Code: PreToolUse on Write, Edit and MultiEdit; Cursor:
preToolUse). It reads the hook's JSON input on stdin, works out what the file would hold after the
write, and asks the plugin's runtime (`check_registry_text` in templates/ml_automation.py) whether it could
read and use every entry. A write the runtime could not use is refused, with what is wrong and the
runtime's functions to use instead; a valid one, or a file that is not a registry file, passes
untouched. The hook never blocks because of itself: any failure of this script lets the write through
with a warning.

    python3 registry_guard.py [--editor claude|cursor] < hook-input.json    (the editor is told by the input otherwise)
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

PLUGIN_ROOT = Path(__file__).resolve().parent.parent
ADVICE = (
    "Registry files are written by ml_utils, which checks every field, locks the folder, keeps the previous "
    "generation and journals every entry: use save_model_entry, save_feature_entries, save_experiment, "
    "save_data_version or promote_model (from ml_utils.py in the project root), or `registry repair` for a "
    "damaged file. The file was left as it was."
)


def load_runtime() -> ModuleType:
    """The plugin's command module (templates/ml_automation.py: check_registry_text, registry_file_kind),
    imported by its path; it loads the plugin's own ml_utils.py beside it (standard library only)."""
    spec = importlib.util.spec_from_file_location("ml_automation_for_hooks", PLUGIN_ROOT / "templates" / "ml_automation.py")
    if spec is None or spec.loader is None:
        raise ImportError("templates/ml_automation.py cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# Quotes Claude Code's Edit treats as the same when it looks for the old text (it then writes the new
# text as given): each curly quote and its straight form.
SAME_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def apply_edit(text: str, old: str, new: str, every: bool) -> str | None:
    """`text` after replacing `old` with `new` as Claude Code's Edit does (the first occurrence, or
    every one; curly and straight quotes matched as one), or None when `old` is not in `text`."""
    if old in text:
        return text.replace(old, new) if every else text.replace(old, new, 1)
    plain, wanted = text.translate(SAME_QUOTES), old.translate(SAME_QUOTES)
    at = plain.find(wanted)
    if not wanted or at < 0:
        return None
    while at >= 0:
        text = text[:at] + new + text[at + len(old) :]
        plain = plain[:at] + new.translate(SAME_QUOTES) + plain[at + len(old) :]
        at = plain.find(wanted, at + len(new)) if every else -1
    return text


def text_after(tool: str, tool_input: dict[str, Any], path: str) -> str | None:
    """What `path` would hold after the tool call, or None when it cannot be told."""
    if "content" in tool_input or "contents" in tool_input:
        content = tool_input.get("content", tool_input.get("contents"))
        return content if isinstance(content, str) else None
    edits = tool_input.get("edits") if tool == "MultiEdit" else [tool_input]
    if not isinstance(edits, list) or not all(isinstance(edit, dict) and isinstance(edit.get("old_string"), str) for edit in edits):
        return None
    file = Path(path)
    if not file.exists():
        first = edits[0] if edits else {}
        # An Edit with no old text creates the file with the new text.
        text: str | None = first.get("new_string", "") if first.get("old_string") == "" else None
        edits = edits[1:]
    else:
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return None
    for edit in edits:
        new = edit.get("new_string", "")
        if text is None or not isinstance(new, str):
            return None
        text = apply_edit(text, edit["old_string"], new, bool(edit.get("replace_all")))
    return text


def text_field(hook_input: dict[str, Any], key: str, notes: list[str]) -> str | None:
    """A text field of the hook's input, None when absent; a value of another type is noted and not used."""
    value = hook_input.get(key)
    if value is None or isinstance(value, str):
        return value
    notes.append(f"{key} is a {type(value).__name__}, not text: not used")
    return None


def project_root(hook_input: dict[str, Any], notes: list[str]) -> str | None:
    """The project folder: Claude Code's CLAUDE_PROJECT_DIR, else Cursor's first workspace root, else
    the folder the tool runs in (which a `cd` may have moved below the project). A value of the wrong
    type (workspace_roots as one string) is noted and not used."""
    roots = hook_input.get("workspace_roots")
    if roots is not None and not (isinstance(roots, list) and all(isinstance(root, str) for root in roots)):
        notes.append(f"workspace_roots is a {type(roots).__name__}, not a list of folders: not used")
        roots = None
    return os.environ.get("CLAUDE_PROJECT_DIR") or (roots[0] if roots else None) or text_field(hook_input, "cwd", notes)


def check(hook_input: dict[str, Any], notes: list[str]) -> str | None:
    """The refusal message for a write the runtime could not use, or None to let it through. What
    keeps it from judging the write (input it cannot use) is added to `notes`."""
    tool = str(hook_input.get("tool_name") or "")
    tool_input = hook_input.get("tool_input")
    if not isinstance(tool_input, dict):
        notes.append(f"tool_input is a {type(tool_input).__name__}, not an object: the write was not checked")
        return None
    path = tool_input.get("file_path") or tool_input.get("path") or tool_input.get("target_file")
    if not isinstance(path, str):
        notes.append(f"the {tool or 'tool'} call names no file path (found {type(path).__name__}): the write was not checked")
        return None
    tool_cwd = text_field(hook_input, "cwd", notes)
    path = os.path.abspath(os.path.join(tool_cwd, path) if tool_cwd else path)
    # A link of any name (notes.txt -> mlops/model-registry.json) writes into the file it points at.
    if ".json" not in os.path.basename(path) and ".json" not in os.path.basename(os.path.realpath(path)):
        return None
    root = project_root(hook_input, notes)
    if root:
        os.chdir(root)
    runtime = load_runtime()
    if runtime.registry_file_kind(path) is None:
        return None
    text = text_after(tool, tool_input, path)
    if text is None:
        return (
            f"ml-automation registry guard: refused this change to {path}: what it would write cannot be told "
            f"(its old text is not in the file as it is).\n{ADVICE}"
        )
    problems = runtime.check_registry_text(path, text)
    if not problems:
        return None
    listed = "\n".join(f"- {problem}" for problem in problems[:10])
    more = f"\n- and {len(problems) - 10} more" if len(problems) > 10 else ""
    return f"ml-automation registry guard: refused this write to {path}, whose content the runtime could not use:\n{listed}{more}\n{ADVICE}"


def editor_of(hook_input: dict[str, Any]) -> str:
    """"cursor" when Cursor ran the hook (its event names are camelCase, its input names the
    workspace roots), else "claude"."""
    event = str(hook_input.get("hook_event_name") or "")
    return "cursor" if event[:1].islower() or "workspace_roots" in hook_input or "cursor_version" in hook_input else "claude"


def main(argv: list[str]) -> int:
    """Check the write; exit 2 with the reason on stderr to refuse it (Cursor also gets a JSON
    decision on stdout), 0 to let it through. Never 2 because of a failure of this script."""
    notes: list[str] = []
    try:
        hook_input = json.loads(sys.stdin.read() or "{}")
        if not isinstance(hook_input, dict):
            raise ValueError(f"the hook's input is a JSON {type(hook_input).__name__}, not an object")
        editor = argv[argv.index("--editor") + 1] if "--editor" in argv[:-1] else editor_of(hook_input)
        message = check(hook_input, notes)
    except Exception as error:  # noqa: BLE001 - a hook must never block a write because of itself
        print(f"ml-automation registry guard skipped: {type(error).__name__}: {error}", file=sys.stderr)
        return 0
    for note in notes:
        print(f"ml-automation registry guard: {note}", file=sys.stderr)
    if not message:
        return 0
    if editor == "cursor":
        print(json.dumps({"permission": "deny", "user_message": message, "agent_message": message}))
    print(message, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
