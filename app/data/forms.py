"""Forms for the data pages: every rule about a valid field lives here."""

from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectField, SelectMultipleField
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.forms import Form
from app.data.imports.mapping import FULL_NAME, IGNORE, NOTE, TARGETS
from app.data.imports.reading import DELIMITERS, ENCODINGS
from app.data.imports.rows import BAD_VALUES, MATCH_KEYS, ON_MATCH
from app.data.list_export import DEFAULT_COLUMNS, EXPORT_COLUMNS, FORMATS


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ExportForm(Form):
    file_format = RadioField(
        "Format", choices=dict(FORMATS), default="csv", validators=[InputRequired()]
    )
    columns = CheckboxesField(
        "Columns",
        choices=dict(EXPORT_COLUMNS),
        default=list(DEFAULT_COLUMNS),
        validators=[InputRequired("Tick at least one column.")],
    )

    def chosen_columns(self) -> tuple[str, ...]:
        """The ticked columns in the file's order, whatever order they were posted in."""
        ticked = set(self.columns.data or ())
        return tuple(column for column in EXPORT_COLUMNS if column in ticked)


# --- importing clients ------------------------------------------------------------------


# How to read an uploaded file: found from its content unless staff say otherwise.
FILE_KINDS = {
    "": "Find out from the file",
    "csv": "A spreadsheet saved as CSV or text",
    "xlsx": "An Excel workbook (.xlsx)",
    "vcf": "Contacts (vCard .vcf)",
}


class ImportUploadForm(Form):
    file = FileField("File", validators=[FileRequired("Choose a file to import.")])
    file_format = SelectField("Read it as", choices=FILE_KINDS, default="")


class ImportColumnsForm(Form):
    """The file's reading (encoding, delimiter) and one choice per column; the column
    fields are added for each file by columns_form()."""

    # Checked by reading_is_valid() only when the file is read again: a workbook has
    # neither, and a vCard no delimiter.
    encoding = SelectField("Encoding", choices=dict(ENCODINGS), validate_choice=False)
    delimiter = SelectField("Cells separated by", choices=dict(DELIMITERS), validate_choice=False)
    bad_values = RadioField("When a value is not valid", choices=BAD_VALUES, default="note")
    column_count = 0

    def reading_is_valid(self, file_format: str) -> bool:
        valid = True
        if self.encoding.data not in ENCODINGS:
            self.encoding.errors = ["Choose an encoding from the list."]
            valid = False
        if file_format == "csv" and self.delimiter.data not in DELIMITERS:
            self.delimiter.errors = ["Choose how the cells are separated."]
            valid = False
        return valid

    def column_fields(self):
        return [self[f"column_{index}"] for index in range(self.column_count)]

    def chosen(self) -> list[str]:
        return [field.data or "" for field in self.column_fields()]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        first_column = {}
        for field in self.column_fields():
            target = field.data or ""
            if target in (NOTE, IGNORE):
                continue
            if target in first_column:
                field.errors = [
                    *field.errors,
                    f"“{first_column[target]}” already goes to {TARGETS[target]}: "
                    "choose one column for it.",
                ]
                valid = False
            else:
                first_column[target] = field.label.text
        if self.column_count and not {"first_name", FULL_NAME} & set(first_column):
            self.column_fields()[0].errors = [
                *self.column_fields()[0].errors,
                "Choose the column that holds the first name (or the full name).",
            ]
            valid = False
        return valid


def columns_form(headers: list[str], **kwargs) -> ImportColumnsForm:
    """The Map columns form for a file with these headings."""
    fields = {
        f"column_{index}": SelectField(heading, choices=dict(TARGETS), default=IGNORE)
        for index, heading in enumerate(headers)
    }
    form_class = type("FileColumnsForm", (ImportColumnsForm,), fields)
    form_class.column_count = len(headers)
    return form_class(**kwargs)


class ImportOptionsForm(Form):
    match_key = RadioField(
        "Find existing clients by", choices=dict(MATCH_KEYS), validators=[InputRequired()]
    )
    on_match = RadioField(
        "When a row matches a client", choices=dict(ON_MATCH), validators=[InputRequired()]
    )
    labels = CheckboxesField("Give every imported client these labels", coerce=int)
