"""The size check that `make lint` runs: no app/ file over 400 lines, no function over 80."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent.parent / "scripts" / "check_sizes.py"


def _check():
    spec = importlib.util.spec_from_file_location("check_sizes", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_tree_passes_its_size_check():
    check = _check()
    assert check.problems(check.sizes()) == []


def test_a_large_file_or_function_is_refused(tmp_path, monkeypatch):
    check = _check()
    area = tmp_path / "app" / "new_area"
    area.mkdir(parents=True)
    body = "\n".join(f"    x{number} = {number}" for number in range(81))
    (area / "ops.py").write_text(
        "def do_everything():\n" + body + "\n" + "\n" * (400 - 82) + "VALUE = 1\n"
    )
    monkeypatch.setattr(check, "ROOT", tmp_path)
    assert check.problems(check.sizes()) == [
        "app/new_area/ops.py: 401 lines (at most 400): split it by job",
        "app/new_area/ops.py:do_everything: 82 lines (at most 80): split it by job",
    ]
