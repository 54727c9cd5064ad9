"""The start-up check that DATA_KEY opens the data already encrypted with it."""

from sqlalchemy import select
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy_utils.types.encrypted.encrypted_type import InvalidCiphertextError

from app.core.extensions import db
from app.models import Alert, DataRequest, Note, OutgoingEmail

# Every encrypted column; a new one is added here so the check covers it.
ENCRYPTED_COLUMNS = (Note.body, Alert.text, OutgoingEmail.body_text, DataRequest.proposed)


class WrongDataKey(RuntimeError):
    pass


def check_data_key() -> None:
    """Decrypt one stored value of each encrypted column, if there is one.

    A wrong key would otherwise surface later as an error on the first profile with
    a note; failing at start says what is wrong and loses nothing."""
    for column in ENCRYPTED_COLUMNS:
        try:
            db.session.scalar(select(column).limit(1))
        except (OperationalError, ProgrammingError):
            db.session.rollback()
            return  # no schema yet: `flask db upgrade` has not run
        except (InvalidCiphertextError, ValueError) as error:
            db.session.rollback()
            raise WrongDataKey(
                f"DATA_KEY cannot decrypt the {column.class_.__tablename__} already stored "
                "in this database. Start the app with the DATA_KEY the data was written "
                "with (in development: instance/data_key)."
            ) from error
    db.session.rollback()
