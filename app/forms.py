"""The base class of every form in the app."""

from flask import request
from flask_wtf import FlaskForm
from wtforms import FileField


class Form(FlaskForm):
    """A FlaskForm that reads its fields from the posted form fields only.

    FlaskForm also merges uploaded files into the data when a request carries any, and
    reads a JSON body when there is no form: a text field would then receive a file or
    a number, list or object, which its filters and validators cannot take (a 500).
    Here a file reaches only a form that has a file field, and JSON never does: the
    field is simply missing and validates as such."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            wrapped = super().wrap_formdata(form, formdata)
            if wrapped is formdata or wrapped is None:  # given by the caller, or not posted
                return wrapped
            if request.files and any(isinstance(field, FileField) for field in form):
                return wrapped
            return request.form or None
