"""ml_automation: the ml-automation plugin's commands, what a person runs on a project.

    ml-automation COMMAND [ARGS]                          Claude Code (the plugin's bin/ is on PATH)
    python3 .cursor/ml_automation.py COMMAND [ARGS]       Cursor (a launcher the plugin writes)
    python3 PLUGIN/templates/ml_automation.py COMMAND [ARGS]
    python3 ml_utils.py COMMAND [ARGS]                    a project's copy of the library finds the plugin

Commands: `registry` (views, lineage diagrams, the HTML report, repair, sync with MLflow, the team's
view), `copy-runtime` (the library into a project), `api` (the library's functions, one line each).

This module stays in the plugin. The library a project holds a copy of is templates/ml_utils.py next to
it: this module loads that file by its path (never a project's ml_utils.py that happens to be on
sys.path) and uses its names, listed in the LIBRARY NAMES section the build writes.
"""

import importlib.util
import os
import sys
from types import ModuleType
from typing import TYPE_CHECKING  # noqa: F401 - the LIBRARY NAMES section the build writes uses it

ML_AUTOMATION_COMMAND_MODULE = True
# The plugin's own library, beside this file.
LIBRARY_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ml_utils.py")
_LIBRARY_MODULE = "ml_automation_library"


def _plugin_library() -> ModuleType:
    """The plugin's ml_utils.py as a module: the one already imported from that file (as `ml_utils`,
    e.g. by a test), else loaded from it under a name of its own."""
    for name in ("ml_utils", _LIBRARY_MODULE):
        loaded = sys.modules.get(name)
        if loaded is not None and os.path.realpath(getattr(loaded, "__file__", None) or "") == os.path.realpath(LIBRARY_PATH):
            return loaded
    spec = importlib.util.spec_from_file_location(_LIBRARY_MODULE, LIBRARY_PATH)
    if spec is None or spec.loader is None:
        raise ImportError(f"the plugin's library {LIBRARY_PATH} cannot be loaded")
    module = importlib.util.module_from_spec(spec)
    sys.modules[_LIBRARY_MODULE] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[_LIBRARY_MODULE]
        raise
    return module


_LIBRARY = _plugin_library()
# The MLflow mirror's client side is part of the commands (sync, the team's view): loaded now.
_MIRROR_PROBLEM = _LIBRARY._load_mirror()
if _MIRROR_PROBLEM:
    raise ImportError(_MIRROR_PROBLEM)
