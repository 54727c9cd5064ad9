"""What each area does when a client is erased, beside what app/clients does itself.

An area registers a step with @erasure_step: it runs inside the erasure's transaction
and removes or anonymises what the area keeps about the client (sessions keep their
time and service for the business's records, not the free text staff typed).
"""

from collections.abc import Callable

_STEPS: dict[str, Callable] = {}


def erasure_step(name: str):
    def register(function):
        _STEPS[name] = function
        return function

    return register


def run_erasure_steps(client) -> None:
    for step in _STEPS.values():
        step(client)
