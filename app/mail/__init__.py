"""Outgoing email: every message an OutgoingEmail row written with the action that caused
it, delivered through SMTP by a background job; the outbox and the profile's Messages tab."""

from flask import Blueprint

bp = Blueprint("mail", __name__)


from app.mail import bookings, parts, routes  # noqa: E402, F401
