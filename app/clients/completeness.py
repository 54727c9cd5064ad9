"""What a complete profile holds: the one list the Overview and the list's filter share.

Later areas add their checks here (consent, emergency contact, …)."""

from sqlalchemy import or_

from app.models import Client

# (what is missing, as the Overview says it; the column that must be filled)
COMPLETENESS_CHECKS = (
    ("No phone number", Client.phone),
    ("No email", Client.email),
    ("No birth date", Client.birth_date),
    ("No postal address", Client.address),
    ("No preferred language", Client.preferred_language),
)


def missing_items(client: Client) -> list[str]:
    return [
        message for message, column in COMPLETENESS_CHECKS if getattr(client, column.key) is None
    ]


def incomplete_condition():
    """A WHERE clause for clients missing at least one item."""
    return or_(*[column.is_(None) for _message, column in COMPLETENESS_CHECKS])
