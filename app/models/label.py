"""Labels (client groups): a name and a colour, ticked on any number of clients."""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, utcnow

# Colour name -> what staff read; app.css gives each a background with readable contrast.
LABEL_COLOURS = {
    "teal": "Teal",
    "blue": "Blue",
    "purple": "Purple",
    "pink": "Pink",
    "red": "Red",
    "orange": "Orange",
    "yellow": "Yellow",
    "green": "Green",
    "grey": "Grey",
}
LABEL_NAME_MAX_LENGTH = 40
# Case folding can make a name longer ("ß" -> "ss", "ﬃ" -> "ffi": at most three times).
LABEL_KEY_MAX_LENGTH = 3 * LABEL_NAME_MAX_LENGTH

client_labels = Table(
    "client_labels",
    Base.metadata,
    Column("client_id", ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True),
    Column("label_id", ForeignKey("labels.id", ondelete="CASCADE"), primary_key=True),
    # Filtering the list by a label starts from the label.
    Index("ix_client_labels_label_id_client_id", "label_id", "client_id"),
)


class Label(Base):
    __tablename__ = "labels"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(LABEL_NAME_MAX_LENGTH))
    # Case-folded name: "VIP" and "vip" are the same label.
    name_key: Mapped[str] = mapped_column(String(LABEL_KEY_MAX_LENGTH), unique=True)
    colour: Mapped[str] = mapped_column(String(10), default="teal")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
