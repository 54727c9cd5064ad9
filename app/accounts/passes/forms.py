"""The pass forms: "Add pass" and "Replace pass" (a number of letters, digits and
dashes, as printed on cards and key tags; the reason a pass ends)."""

import re

from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.accounts.passes.ops import DEFAULT_END_REASON
from app.core.forms import Form
from app.core.validators import no_control_characters
from app.models.accounts import ACCOUNT_REASON_MAX_LENGTH, PASS_NUMBER_MAX_LENGTH

PASS_NUMBER_MIN_LENGTH = 4
# Letters, digits and dashes, as printed on cards and key tags (ASCII only: a scanner
# types nothing else, and "٣" or "²" are not the digits they look like).
_PASS_NUMBER = re.compile(r"[A-Za-z0-9-]+")


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _pass_number(_form, field):
    if not isinstance(field.data, str):
        return
    if not _PASS_NUMBER.fullmatch(field.data):
        raise ValidationError("Use only letters, digits and dashes.")


def _number_field(label: str):
    return StringField(
        label,
        validators=[
            DataRequired("Type or scan the pass's number."),
            Length(
                min=PASS_NUMBER_MIN_LENGTH,
                max=PASS_NUMBER_MAX_LENGTH,
                message=f"Use {PASS_NUMBER_MIN_LENGTH} to {PASS_NUMBER_MAX_LENGTH} characters.",
            ),
            _pass_number,
        ],
        filters=[_strip],
    )


class AddPassForm(Form):
    number = _number_field("Pass number")


class ReplacePassForm(Form):
    number = _number_field("New pass number")
    reason = StringField(
        "Reason",
        default=DEFAULT_END_REASON,
        validators=[
            Optional(),
            Length(
                max=ACCOUNT_REASON_MAX_LENGTH,
                message=f"Use at most {ACCOUNT_REASON_MAX_LENGTH} characters.",
            ),
            no_control_characters,
        ],
        filters=[_strip],
    )
