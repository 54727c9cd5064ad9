"""No file in app/ over 400 lines and no function over 80 (DESIGN.md: split by job),
without exceptions. Run by `make lint`, so by `make test`.
"""

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 80


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
    return [
        f"{where}: {size} lines (at most "
        f"{MAX_FUNCTION_LINES if ':' in where else MAX_FILE_LINES}): split it by job"
        for where, size in sorted(found.items())
    ]


if __name__ == "__main__":
    said = problems(sizes())
    print("\n".join(said) if said else "sizes: every app/ file and function within its limit")
    sys.exit(1 if said else 0)
