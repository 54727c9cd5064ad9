"""The business's settings: one table of keys and text values (business_settings) that
every area keeps its own settings in. Each area names its keys and parses its values;
this module only reads and writes them."""

from functools import cache

from sqlalchemy import select

from app.core.database import inline_constants
from app.core.extensions import db
from app.models import BusinessSetting


@cache
def _statement(keys: tuple[str, ...]):
    # Built once per set of keys: building a statement costs more than running it.
    return inline_constants(
        select(BusinessSetting.key, BusinessSetting.value).where(BusinessSetting.key.in_(keys))
    )


def read_settings(*keys: str) -> dict[str, str]:
    """The stored values of these keys (a key never saved is absent), in one query."""
    return dict(db.session.connection().execute(_statement(tuple(sorted(keys)))).all())


def store_settings(values: dict[str, str]) -> None:
    """Write these values in the caller's write transaction."""
    for key, value in values.items():
        row = db.session.get(BusinessSetting, key)
        if row is None:
            db.session.add(BusinessSetting(key=key, value=value))
        else:
            row.value = value
