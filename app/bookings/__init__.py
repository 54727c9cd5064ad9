"""Sessions: services, booking, the Sessions tab, statistics, attendance, check-ins."""

from flask import Blueprint

bp = Blueprint("bookings", __name__)

from app.bookings import parts, routes  # noqa: E402, F401
