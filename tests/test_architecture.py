"""The shape of the code: modules small enough to read, pages that only lay out.

The import direction between packages is import-linter's contract (pyproject.toml,
`lint-imports` in .ci/run); these are the rules it cannot express.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "nno_dash"
PAGES = sorted((ROOT / "pages").glob("*.py"))
MAX_LINES = 600

# SQL by its shape, not its words: "where" and "from" are ordinary English in a page's labels.
SQL = re.compile(
    r"\bselect\b.+?\bfrom\b"
    r"|\bfrom\s+[a-z_][\w.]*\s+(?:where|group\s+by|join|order\s+by)\b"
    r"|\b(?:insert\s+into|delete\s+from|create\s+(?:or\s+replace\s+)?(?:table|view))\b",
    re.IGNORECASE | re.DOTALL,
)


def line_count(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_every_module_is_under_600_lines() -> None:
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if (lines := line_count(path)) >= MAX_LINES
    }
    assert not too_long, f"modules of {MAX_LINES} lines or more: {too_long}"


def sql_in_page(path: Path) -> list[str]:
    """Where a page imports DuckDB or holds a string shaped like SQL, as 'line: what'."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if SQL.search(node.value):
                found.append(f"{node.lineno}: SQL {node.value[:60]!r}")
            continue
        else:
            continue
        found += [f"{node.lineno}: imports {n}" for n in names if n.split(".")[0] == "duckdb"]
    return sorted(found, key=lambda entry: int(entry.split(":")[0]))


def test_pages_hold_no_sql_and_do_not_import_duckdb() -> None:
    assert PAGES, "no pages found"
    offenders = {path.name: where for path in PAGES if (where := sql_in_page(path))}
    assert not offenders, f"pages with SQL or duckdb (SQL belongs in nno_dash.queries): {offenders}"


def test_the_page_check_sees_sql_and_duckdb(tmp_path: Path) -> None:
    page = tmp_path / "page.py"
    page.write_text(
        "import duckdb\n"
        "from duckdb import connect\n"
        'rows = con.execute("select count(*) from incidents").fetchall()\n'
        'label = "Where outreach happened, and where it came from"\n'
        'more = f"""SELECT area_id\n  FROM areas WHERE kind = $kind"""\n'
    )
    found = sql_in_page(page)
    assert [line.split(":")[0] for line in found] == ["1", "2", "3", "5"], found


REPEAT_LINES = 6
# Lines that say nothing on their own: closing brackets, `else:`, `try:`, bare returns.
THIN = re.compile(r"^(?:[)\]}]+[,:]?|else:|try:|finally:|return|pass|\.\.\.)$")


def significant_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, text without indentation) of the lines that carry code: no blanks,
    comments, imports, docstrings, function signatures or thin punctuation."""
    text = path.read_text(encoding="utf-8")
    skipped = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            skipped.update(range(node.lineno, node.body[0].lineno))
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                skipped.update(range(body[0].lineno, body[0].end_lineno + 1))
    kept = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if (
            number in skipped
            or not stripped
            or stripped.startswith(("#", "import ", "from "))
            or THIN.match(stripped)
        ):
            continue
        kept.append((number, stripped))
    return kept


def repeated_blocks(paths: list[Path], root: Path = ROOT, size: int = REPEAT_LINES) -> list[str]:
    """Every run of `size` significant lines that stands twice, within a file or across
    files, as 'file:line ~ file:line'. pylint's duplicate-code (in .ci/run) compares files
    only with each other; this also catches a block a module repeats itself."""
    seen: dict[tuple[str, ...], tuple[str, int]] = {}
    found = []
    for path in paths:
        lines = significant_lines(path)
        last_reported = -size
        for i in range(len(lines) - size + 1):
            block = tuple(text for _, text in lines[i : i + size])
            here = (str(path.relative_to(root)), lines[i][0])
            first = seen.setdefault(block, here)
            if first != here and i >= last_reported + size:
                found.append(f"{here[0]}:{here[1]} ~ {first[0]}:{first[1]}")
                last_reported = i
    return found


def test_no_block_of_six_lines_is_repeated_in_the_package() -> None:
    repeats = repeated_blocks(sorted(PACKAGE.rglob("*.py")))
    assert not repeats, f"blocks of {REPEAT_LINES} lines or more that stand twice: {repeats}"


def test_the_repeat_check_sees_a_block_repeated_inside_one_file(tmp_path: Path) -> None:
    block = "".join(f"    total += values[{i}] * weights[{i}]\n" for i in range(6))
    module = tmp_path / "module.py"
    module.write_text(f"def a(values, weights):\n{block}\n\ndef b(values, weights):\n{block}")
    other = tmp_path / "other.py"
    other.write_text(f"def c(values, weights):\n{block[: block.index(chr(10)) + 1]}")
    assert repeated_blocks([module, other], root=tmp_path) == ["module.py:11 ~ module.py:2"]
