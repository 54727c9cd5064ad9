"""What each area does when a client is erased, beside what app/clients does itself.

An area lists its `ErasureStep`s in its manifest: each runs inside the erasure's
transaction and removes or anonymises what the area keeps about the client (sessions
keep their time and service for the business's records, not the free text staff typed).
"""

from collections.abc import Callable
from dataclasses import dataclass

from app.core.registry import Registry


@dataclass(frozen=True)
class ErasureStep:
    name: str
    run: Callable  # run(client), in the erasure's transaction
    # The tables the step deals with (what it keeps is its decision, said in its
    # docstring): a table that points at clients and is in no step is a gap.
    tables: tuple[str, ...] = ()


ERASURE_STEPS = Registry("erasure step")
# What app/clients erases itself (clients' wipe_client), listed for the coverage check.
CLIENTS_OWN_TABLES = ("clients", "notes", "alerts", "client_labels", "activities")


def erased_tables() -> dict[str, tuple[str, ...]]:
    return {"clients": CLIENTS_OWN_TABLES} | {
        step.name: step.tables for step in ERASURE_STEPS.values()
    }


def run_erasure_steps(client) -> None:
    for step in ERASURE_STEPS.values():
        step.run(client)
