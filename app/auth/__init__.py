from flask import Blueprint

bp = Blueprint("auth", __name__)

from flask import session  # noqa: E402

from app.auth import routes  # noqa: E402, F401
from app.core.extensions import login_manager  # noqa: E402

# The session is on the server, so Flask-Login's cookie fingerprinting adds nothing.
login_manager.session_protection = None


@login_manager.user_loader
def load_signed_in_staff(user_id: str):
    """The staff member read together with the session (app.sessions), no extra query."""
    staff = getattr(session, "staff", None)
    if staff is not None and str(staff.id) == user_id:
        return staff
    return None
