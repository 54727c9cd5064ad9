"""Messages for the page being answered, from code that is not the view: an area that
follows another's action (app.activity.follow) tells staff something about it ("No
credit left: booked as unpaid") without the other area knowing it exists.

Kept on flask.g, so they live for one request (or one app context) and are shown by
the template that answers the action (`pending_notices()` in templates)."""

from dataclasses import dataclass

from flask import g

TONES = ("info", "success", "warning")


@dataclass(frozen=True)
class Notice:
    text: str
    tone: str = "warning"


def add_notice(text: str, tone: str = "warning") -> None:
    if tone not in TONES:
        raise ValueError(f"unknown notice tone {tone!r}")
    notices = g.setdefault("clientele_notices", [])
    notice = Notice(text, tone)
    if notice not in notices:
        notices.append(notice)


def pending_notices() -> list[Notice]:
    return list(g.get("clientele_notices", ()))
