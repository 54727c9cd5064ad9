"""The business's name and address, as emails sign off with them (kept in
business_settings and edited beside the booking rules)."""

from dataclasses import dataclass

from flask import g

from app.core.business_settings import read_settings, store_settings
from app.core.database import write_transaction

BUSINESS_NAME = "business_name"
BUSINESS_ADDRESS = "business_address"
NAME_MAX_LENGTH = 100
ADDRESS_MAX_LENGTH = 200  # business_settings.value holds 200 characters
DEFAULT_NAME = "Clientele"


@dataclass(frozen=True)
class Business:
    name: str
    address: str

    @property
    def address_lines(self) -> list[str]:
        return [line.strip() for line in self.address.splitlines() if line.strip()]


def business_details() -> Business:
    """Read once per request (a request may write several emails)."""
    if "business_details" not in g:
        rows = read_settings(BUSINESS_NAME, BUSINESS_ADDRESS)
        g.business_details = Business(
            name=(rows.get(BUSINESS_NAME) or "").strip() or DEFAULT_NAME,
            address=(rows.get(BUSINESS_ADDRESS) or "").strip(),
        )
    return g.business_details


def save_business_details(name: str, address: str) -> None:
    """Store the name and address (a write transaction of their own)."""
    values = {
        BUSINESS_NAME: " ".join(name.split())[:NAME_MAX_LENGTH],
        BUSINESS_ADDRESS: "\n".join(
            line.strip() for line in address.strip().splitlines() if line.strip()
        )[:ADDRESS_MAX_LENGTH],
    }
    with write_transaction():
        store_settings(values)
    g.pop("business_details", None)
