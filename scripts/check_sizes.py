"""No file in app/ over 400 lines and no function over 80 (DESIGN.md: split by job).

The files and functions that were larger when this check came are listed in
KNOWN_LARGER with the size they had then: they may shrink, never grow, and each entry
goes once its file or function is split (an entry that is no longer needed fails too,
so the list only gets shorter). Run by `make lint`.
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 80

# path (or path:function) -> its size when the check came; to be split (issue: the house).
KNOWN_LARGER = {
    "app/clients/ops.py": 731,
    "app/bookings/ops.py": 732,
    "app/clients/routes.py": 721,
    "app/accounts/memberships.py": 700,
    "app/accounts/credits.py": 692,
    "app/demo.py": 589,
    "app/data/merge.py": 562,
    "app/accounts/ledger.py": 544,
    "app/clients/queries.py": 490,
    "app/portal/requests/ops.py": 466,
    "app/data/import_routes.py": 434,
    "app/demo.py:_accounts": 130,
    "app/cli.py:register_cli": 110,
    "app/__init__.py:create_app": 99,
    "app/accounts/plans.py:read_plan_form": 97,
    "app/data/merge.py:merge_clients": 91,
    "app/data/imports/ops.py:_write_batch": 85,
}


def sizes() -> dict[str, int]:
    """Every app/ file over MAX_FILE_LINES and function over MAX_FUNCTION_LINES."""
    found = {}
    for path in sorted((ROOT / "app").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if lines > MAX_FILE_LINES:
            found[name] = lines
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    found[f"{name}:{node.name}"] = length
    return found


def problems(found: dict[str, int]) -> list[str]:
    said = []
    for where, size in sorted(found.items()):
        limit = MAX_FUNCTION_LINES if ":" in where else MAX_FILE_LINES
        known = KNOWN_LARGER.get(where)
        if known is None:
            said.append(f"{where}: {size} lines (at most {limit}): split it by job")
        elif size > known:
            said.append(f"{where}: {size} lines, grew past {known}: split it, do not grow it")
    for where in sorted(set(KNOWN_LARGER) - set(found)):
        said.append(f"{where}: within the limit now, take it out of KNOWN_LARGER")
    return said


if __name__ == "__main__":
    said = problems(sizes())
    print("\n".join(said) if said else "sizes: every app/ file and function within its limit")
    sys.exit(1 if said else 0)
