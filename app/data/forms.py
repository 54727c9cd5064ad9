"""Forms for the data pages: every rule about a valid field lives here."""

from wtforms import RadioField, SelectMultipleField
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from app.data.list_export import DEFAULT_COLUMNS, EXPORT_COLUMNS, FORMATS
from app.forms import Form


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
