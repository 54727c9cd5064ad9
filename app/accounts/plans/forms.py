"""The plan form read step by step: what was typed, the errors beside their fields and
the values when there are none; and money as staff type it and see it again (the
membership forms read their amounts with it too)."""

from dataclasses import dataclass, field

from app.core.paths import parse_id
from app.models.accounts import BILLING_PERIODS, PLAN_KINDS, PLAN_NAME_MAX_LENGTH

LONGEST_MINIMUM_TERM = 120  # periods
MOST_CREDITS = 1000
LONGEST_EXPIRY_DAYS = 3650
HIGHEST_PRICE_MINOR = 10_000_000 * 100 - 1


def parse_money(text: str | None, *, what: str = "price") -> int:
    """ "45", "45.5", "45.50", "1,200.00" -> minor units; PlanRefused-style ValueError
    with a message a person reads otherwise."""
    text = (text or "").replace(",", "").strip()
    if not text:
        raise ValueError(f"Enter a {what} like 45 or 45.50.")
    if text.startswith("-"):
        raise ValueError(f"The {what} cannot be negative.")
    whole, _, cents = text.partition(".")
    whole = whole or "0"
    if (
        not whole.isascii()
        or not whole.isdigit()
        or not (cents == "" or (cents.isascii() and cents.isdigit() and len(cents) <= 2))
        or len(whole) > 7
    ):
        raise ValueError(f"Enter a {what} like 45 or 45.50.")
    return int(whole) * 100 + int((cents or "0").ljust(2, "0"))


def money_text(minor: int) -> str:
    """Minor units as a form shows them again: 4500 -> "45.00"."""
    return f"{minor // 100}.{minor % 100:02d}"


@dataclass
class PlanValues:
    name: str
    kind: str
    price_minor: int
    billing_period: str | None
    minimum_term: int
    credits: int
    credit_expiry_days: int | None
    active: bool
    service_ids: list[int] = field(default_factory=list)


@dataclass
class _Terms:
    """What a plan's kind decides: its period, term, credits and how long they last."""

    billing_period: str | None = None
    minimum_term: int = 1
    credit_expiry_days: int | None = None
    credits: int = 0


def _whole_number(text: str, low: int, high: int) -> int | None:
    text = (text or "").strip()
    if not text or not text.isascii() or not text.isdigit() or len(text) > 6:
        return None
    value = int(text)
    return value if low <= value <= high else None


def _typed_plan(form) -> dict:
    typed = {
        key: (form.get(key) or "")[:200]
        for key in (
            "name",
            "kind",
            "price",
            "billing_period",
            "minimum_term",
            "credits",
            "credit_expiry_days",
        )
    }
    typed["active"] = form.get("active") == "y"
    typed["services"] = [text[:12] for text in form.getlist("services")][:500]
    return typed


def _read_name(typed: dict, errors: dict[str, str]) -> str:
    name = typed["name"].strip()
    if not name:
        errors["name"] = "Enter the plan's name."
    elif len(name) > PLAN_NAME_MAX_LENGTH:
        errors["name"] = f"Use at most {PLAN_NAME_MAX_LENGTH} characters."
    elif any(ord(character) < 32 or ord(character) == 127 for character in name):
        errors["name"] = "Use letters, digits and punctuation only."
    return name


def _read_membership_terms(typed: dict, errors: dict[str, str], terms: _Terms) -> None:
    expiry_text = typed["credit_expiry_days"].strip()
    terms.billing_period = typed["billing_period"]
    if terms.billing_period not in BILLING_PERIODS:
        errors["billing_period"] = "Choose weekly, monthly or yearly."
        terms.billing_period = None
    term = _whole_number(typed["minimum_term"], 1, LONGEST_MINIMUM_TERM)
    if term is None:
        errors["minimum_term"] = (
            f"Enter a number of billing periods from 1 to {LONGEST_MINIMUM_TERM}."
        )
    else:
        terms.minimum_term = term
    given = _whole_number(typed["credits"] or "0", 0, MOST_CREDITS)
    if given is None:
        errors["credits"] = f"Enter the credits each period, from 0 to {MOST_CREDITS}."
    else:
        terms.credits = given
    if expiry_text:
        terms.credit_expiry_days = _whole_number(expiry_text, 1, LONGEST_EXPIRY_DAYS)
        if terms.credit_expiry_days is None:
            errors["credit_expiry_days"] = (
                f"Enter days from 1 to {LONGEST_EXPIRY_DAYS}, or leave it empty: "
                "credits last to the end of their period."
            )


def _read_pack_terms(typed: dict, errors: dict[str, str], terms: _Terms) -> None:
    expiry_text = typed["credit_expiry_days"].strip()
    given = _whole_number(typed["credits"], 1, MOST_CREDITS)
    if given is None:
        errors["credits"] = f"A pack holds from 1 to {MOST_CREDITS} credits."
    else:
        terms.credits = given
    terms.credit_expiry_days = _whole_number(expiry_text, 1, LONGEST_EXPIRY_DAYS)
    if terms.credit_expiry_days is None:
        errors["credit_expiry_days"] = (
            f"Enter the days the pack lasts after the sale, from 1 to {LONGEST_EXPIRY_DAYS}."
        )


def _read_services(typed: dict, errors: dict[str, str], service_ids: set[int]) -> list[int]:
    chosen = []
    for text in typed["services"]:
        service_id = parse_id(text)
        if service_id is None or service_id not in service_ids:
            errors["services"] = "Choose services from the list."
            break
        chosen.append(service_id)
    return chosen


def read_plan_form(form, service_ids: set[int]) -> tuple[dict, dict[str, str], PlanValues | None]:
    """What was typed (kept as typed), the errors beside their fields, and the values
    when there are none."""
    typed = _typed_plan(form)
    errors: dict[str, str] = {}
    name = _read_name(typed, errors)
    kind = typed["kind"]
    if kind not in PLAN_KINDS:
        errors["kind"] = "Choose a membership or a pack."
    price_minor = 0
    try:
        price_minor = parse_money(typed["price"])
    except ValueError as error:
        errors["price"] = str(error)
    terms = _Terms()
    if kind == "membership":
        _read_membership_terms(typed, errors, terms)
    elif kind == "pack":
        _read_pack_terms(typed, errors, terms)
    chosen = _read_services(typed, errors, service_ids)
    if errors:
        return typed, errors, None
    return (
        typed,
        errors,
        PlanValues(
            name=name,
            kind=kind,
            price_minor=price_minor,
            billing_period=terms.billing_period,
            minimum_term=terms.minimum_term,
            credits=terms.credits,
            credit_expiry_days=terms.credit_expiry_days,
            active=typed["active"],
            service_ids=sorted(set(chosen)),
        ),
    )
