"""Settings → Kiosk PIN: each staff member's own PIN for leaving the reception kiosk."""

from flask import abort, redirect, request, url_for
from flask_login import current_user

from app.core.extensions import db
from app.core.htmx import render_page
from app.core.permissions import Permission, requires
from app.core.settings_pages import bp
from app.models import StaffMember
from app.reception.api import clear_kiosk_pin as forget_kiosk_pin
from app.reception.api import pin_problem, set_kiosk_pin

# --- kiosk PINs: each staff member's own; those who manage staff may clear anyone's --------


def _pin_page(status=200, error=None, saved=None):
    member = db.session.get(StaffMember, current_user.id)
    return render_page(
        "settings/staff_kiosk_pin.html",
        "kiosk_pin",
        status=status,
        has_pin=member is not None and member.kiosk_pin_hash is not None,
        error=error,
        saved=saved,
    )


@bp.route("/kiosk-pin", methods=["GET", "POST"])
@requires(Permission.VIEW_CLIENTS)
def kiosk_pin():
    """Your own PIN for leaving the reception kiosk (4 to 8 digits, kept hashed)."""
    if request.method == "GET":
        return _pin_page()
    if request.form.get("action") == "remove":
        forget_kiosk_pin(current_user, current_user.id)
        return _pin_page(saved="Your kiosk PIN is removed.")
    pin = request.form.get("pin", "")[:100]
    problem = pin_problem(pin)
    if problem:
        return _pin_page(status=422, error=problem)
    set_kiosk_pin(current_user, pin)
    return _pin_page(saved="Your kiosk PIN is saved.")


@bp.post("/staff/<id:staff_id>/kiosk-pin/clear")
@requires(Permission.MANAGE_STAFF)
def clear_kiosk_pin(staff_id: int):
    try:
        forget_kiosk_pin(current_user, staff_id)
    except LookupError:
        abort(404)
    return redirect(url_for("settings.staff"), 303)
