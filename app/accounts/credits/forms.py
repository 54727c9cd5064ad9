"""The credit forms read: "Issue credits" (how many, the last day, why, for which
services) and the reason for a "Revoke"; what was typed is kept as typed, the errors go
beside their fields."""

from dataclasses import dataclass
from datetime import date

from app.core.clock import business_today
from app.core.forms import parse_day
from app.models.accounts import ACCOUNT_REASON_MAX_LENGTH

MAX_ISSUE = 1000  # credits in one adjustment


@dataclass(frozen=True)
class IssueValues:
    quantity: int
    last_day: date
    reason: str
    service_ids: tuple[int, ...] = ()


def clean_reason(text: str | None) -> str:
    return " ".join((text or "").split())


def read_issue_form(form, service_ids) -> tuple[dict, dict[str, str], IssueValues | None]:
    """What was typed (kept as typed), the errors by field, the values when valid.
    `service_ids`: the services that may be chosen (the active ones)."""
    typed = {name: (form.get(name) or "") for name in ("quantity", "expires_on", "reason")}
    typed["services"] = form.getlist("services")
    errors: dict[str, str] = {}
    chosen = {_whole_number(text) for text in typed["services"]}
    if None in chosen or not chosen <= set(service_ids):
        errors["services"] = "Choose services from the list."
    quantity = _whole_number(typed["quantity"].strip())
    if quantity is None or quantity < 1:
        errors["quantity"] = "Enter a whole number of credits, 1 or more."
    elif quantity > MAX_ISSUE:
        errors["quantity"] = f"Issue at most {MAX_ISSUE} credits at once."
    last_day = parse_day(typed["expires_on"])
    if last_day is None:
        errors["expires_on"] = (
            "Choose the last day the credits can be used."
            if not typed["expires_on"].strip()
            else "Enter a real date, for example 2026-12-31."
        )
    elif last_day < business_today():
        errors["expires_on"] = "Choose today or a later day: these credits would be expired."
    reason = clean_reason(typed["reason"])
    if not reason:
        errors["reason"] = "Say why the credits are issued."
    elif len(reason) > ACCOUNT_REASON_MAX_LENGTH:
        errors["reason"] = f"Use at most {ACCOUNT_REASON_MAX_LENGTH} characters."
    elif any(ord(ch) < 32 or ord(ch) == 127 for ch in reason):
        errors["reason"] = "Remove the control characters."
    if errors:
        return typed, errors, None
    return typed, errors, IssueValues(quantity, last_day, reason, tuple(sorted(chosen)))


def read_reason(form) -> tuple[str, str | None]:
    typed = form.get("reason") or ""
    reason = clean_reason(typed)
    if not reason:
        return typed, "Say why the credits are revoked."
    if len(reason) > ACCOUNT_REASON_MAX_LENGTH:
        return typed, f"Use at most {ACCOUNT_REASON_MAX_LENGTH} characters."
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in reason):
        return typed, "Remove the control characters."
    return typed, None


def _whole_number(text: str) -> int | None:
    if not text or len(text) > 9 or not (text.isascii() and text.isdigit()):
        return None
    return int(text)
