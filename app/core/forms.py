"""The base class of every form in the app, and the parsing of typed values that several
forms share."""

from datetime import date

from flask import request
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict
from wtforms import FileField

_POSTED = object()  # "read the request", as FlaskForm does when no formdata is given


class Form(FlaskForm):
    """A FlaskForm that reads its fields from the posted form fields only.

    FlaskForm also merges uploaded files into the data when a request carries any, and
    reads a JSON body when there is no form: a text field would then receive a file or
    a number, list or object, which its filters and validators cannot take (a 500).
    Here a file reaches only a form that has a file field, and JSON never does: the
    field is simply missing and validates as such."""

    def __init__(self, formdata=_POSTED, **kwargs):
        if formdata is _POSTED:
            formdata = self._posted() if self.is_submitted() else None
        super().__init__(formdata=formdata, **kwargs)

    def _posted(self):
        if request.files and any(
            issubclass(unbound.field_class, FileField) for _, unbound in self._unbound_fields
        ):
            return CombinedMultiDict((request.files, request.form))
        return request.form or None


def parse_day(text: str | None) -> date | None:
    """A date typed or sent by a date input (YYYY-MM-DD, ASCII digits only), or None."""
    text = (text or "").strip()
    if len(text) != 10 or not text.isascii():
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
