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
