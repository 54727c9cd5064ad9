"""The reception area's public module: what other areas may use of it (held by
`lint-imports`: an area imports another only through its api module)."""

from app.reception.kiosk.ops import clear_kiosk_pin, pin_problem, set_kiosk_pin

__all__ = [
    "clear_kiosk_pin",
    "pin_problem",
    "set_kiosk_pin",
]
