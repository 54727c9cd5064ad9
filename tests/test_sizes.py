"""The size check that `make lint` runs: no app/ file over 400 lines, no function over 80,
the larger ones of old only shrinking until they are split."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "check_sizes.py"


def _check():
    spec = importlib.util.spec_from_file_location("check_sizes", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_tree_passes_its_size_check():
    check = _check()
    assert check.problems(check.sizes()) == []


def test_a_new_large_file_or_function_and_a_grown_old_one_are_refused():
    check = _check()
    known_file, known_size = next(
        (where, size) for where, size in check.KNOWN_LARGER.items() if ":" not in where
    )
    found = {
        "app/new_area/ops.py": 401,
        "app/new_area/ops.py:do_everything": 81,
        known_file: known_size + 1,
    } | {where: size for where, size in check.KNOWN_LARGER.items() if where != known_file}
    assert sorted(check.problems(found)) == sorted(
        [
            f"{known_file}: {known_size + 1} lines, grew past {known_size}: "
            "split it, do not grow it",
            "app/new_area/ops.py: 401 lines (at most 400): split it by job",
            "app/new_area/ops.py:do_everything: 81 lines (at most 80): split it by job",
        ]
    )


def test_a_split_file_must_leave_the_list():
    check = _check()
    found = dict(check.KNOWN_LARGER)
    split = next(iter(found))
    del found[split]
    assert check.problems(found) == [f"{split}: within the limit now, take it out of KNOWN_LARGER"]
