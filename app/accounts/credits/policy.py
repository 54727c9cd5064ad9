"""The business's credit policy: whether late cancellations and no-shows use up the
credit that paid for the session (on unless turned off in Settings → Plans)."""

from app.core.business_settings import read_settings, store_settings
from app.core.database import write_transaction
from app.core.permissions import Permission, can

FORFEIT_SETTING = "credits_forfeit_late"


def forfeits_late() -> bool:
    """The business's policy: late cancellations and no-shows use up the credit (on
    unless turned off)."""
    return read_settings(FORFEIT_SETTING).get(FORFEIT_SETTING) != "0"


def save_credit_policy(forfeit: bool, actor) -> None:
    if not can(actor, Permission.MANAGE_SETTINGS):
        raise PermissionError("not allowed for this staff member")
    with write_transaction():
        store_settings({FORFEIT_SETTING: "1" if forfeit else "0"})
