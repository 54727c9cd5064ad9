"""What each area does when a client is erased, beside what app/clients does itself.

An area registers a step with @erasure_step: it runs inside the erasure's transaction
and removes or anonymises what the area keeps about the client (sessions keep their
time and service for the business's records, not the free text staff typed).
"""

from collections.abc import Callable

_STEPS: dict[str, Callable] = {}
# The tables each step deals with (what it keeps is its decision, said in its docstring):
# a table that points at clients and is in no step is a gap in the erasure.
ERASED_TABLES: dict[str, tuple[str, ...]] = {
    # What app/clients erases itself (clients.ops.wipe_client).
    "clients": ("clients", "notes", "alerts", "client_labels", "activities"),
}


def erasure_step(name: str, tables: tuple[str, ...] = ()):
    def register(function):
        _STEPS[name] = function
        ERASED_TABLES[name] = tables
        return function

    return register


def run_erasure_steps(client) -> None:
    for step in _STEPS.values():
        step(client)
