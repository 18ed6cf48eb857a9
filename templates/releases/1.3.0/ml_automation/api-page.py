# =============================================================================
# API PAGE
# =============================================================================

# `ml-automation api`: every public function of the library (the ml_utils.py a project holds) with its
# signature and one line, by section: what the model reads instead of the file itself. Read from the
# plugin's library source, so it always matches the copy copy-runtime puts into a project.

import ast
import re
import sys
from typing import Optional

API_PAGE_BUDGET_BYTES = 6144
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
_PRIVATE_MODULES = re.compile(r"\b_(?:pd|np|sklearn_compose)\.")


def _first_sentence(doc: Optional[str], width: int = 64) -> str:
    """The first sentence of a docstring on one line (abbreviations such as e.g. do not end it),
    cut to `width` characters."""
    text = " ".join((doc or "").split())
    for match in _SENTENCE_END.finditer(text):
        before = text[: match.start()]
        if not re.search(r"(?:\be\.g|\bi\.e|\betc|\bvs)$", before):
            text = text[: match.end()]
            break
    return text if len(text) <= width else text[: width - 1].rsplit(" ", 1)[0] + "…"


def _signature(node: ast.FunctionDef) -> str:
    """`name(parameters) -> return` as the source writes it, shortened: no quotes around forward
    references, no `: Any`, and `X=None` for `Optional[X]=None`."""
    text = f"{node.name}({ast.unparse(node.args)})" + (f" -> {ast.unparse(node.returns)}" if node.returns else "")
    text = re.sub(r": Any\b(?!\[)", "", re.sub(r"'([^']*)'", r"\1", text))
    text = re.sub(r"Optional\[((?:[^\[\]]|\[[^\[\]]*\])*)\]=None", r"\1=None", text)
    return _PRIVATE_MODULES.sub("", text)


def api_page(library_path: Optional[str] = None, budget: int = API_PAGE_BUDGET_BYTES) -> str:
    """The API page of the library at `library_path` (the plugin's own by default): one line per
    public function, `signature: first sentence of its docstring`, under the title of its section,
    then the public classes (errors, warnings) with their bases. The sentences are cut shorter (to
    none at all) until the page fits `budget` bytes, so it stays that small as the library grows."""
    path = library_path or LIBRARY_PATH
    with open(path, encoding="utf-8") as handle:
        source = handle.read()
    titles = {source.count("\n", 0, m.start()) + 2: m.group(1) for m in re.finditer(r"^# =+\n# (\S[^\n]*)\n# =+$", source, re.M)}
    head = [
        f"ml_utils: the library in the project root (`from ml_utils import NAME`; `{_program()} copy-runtime` puts it there).",
        "Registry writers check every value, lock the folder and keep earlier generations: never write registry files by hand.",
    ]
    entries: list[tuple[str, str, Optional[str]]] = []  # (section title, signature, docstring)
    classes = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            bases = ", ".join(ast.unparse(base) for base in node.bases if ast.unparse(base) not in ("Exception", "UserWarning", "NamedTuple"))
            classes.append(f"{node.name}({bases})" if bases else node.name)
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            title = titles.get(max((number for number in titles if number <= node.lineno), default=0), "")
            entries.append((title, _signature(node), ast.get_docstring(node)))
    page = ""
    for width in (64, 56, 48, 40, 32, 0):
        lines = list(head)
        section = None
        for title, signature, doc in entries:
            if title != section:
                section = title
                lines += ["", f"## {title}"]
            lines.append(f"- {signature}: {_first_sentence(doc, width)}" if width else f"- {signature}")
        if classes:
            lines += ["", "## Classes", ", ".join(classes)]
        page = "\n".join(lines) + "\n"
        if len(page.encode("utf-8")) <= budget:
            break
    return page


def api_cli(argv: list[str]) -> int:
    """`api`: print the API page. Exit status 0, or 2 for arguments it does not take."""
    if argv in (["-h"], ["--help"]):
        print(f"usage: {_program()} api\nList every public function of ml_utils.py (the library a project holds): signature and one line each.")
        return 0
    if argv:
        print(f"usage: {_program()} api", file=sys.stderr)
        return 2
    print(api_page(), end="")
    return 0
