"""Reception and the kiosk: everything the area adds to the app (see app/core/areas.py)."""

from app.core.areas import Area
from app.reception import bp
from app.reception.kiosk import bp as kiosk_bp
from app.reception.kiosk import parts as kiosk_parts
from app.reception.kiosk.realm import install_kiosk_guard

AREA = Area(
    "reception",
    blueprints=(bp, kiosk_bp),
    # The kiosk's views check the kiosk's own session, not a staff sign-in.
    other_realms=(kiosk_bp,),
    verbs=kiosk_parts.KIOSK_VERBS,
    # With the arrivals, under the Sessions filter (when sessions are installed).
    filter_additions={"sessions": tuple(kiosk_parts.KIOSK_VERBS)},
    export_sections=(kiosk_parts.KIOSK_HELP_REQUESTS_EXPORT,),
    erasure_steps=(kiosk_parts.KIOSK_HELP_REQUESTS_ERASURE,),
    on_app=(install_kiosk_guard,),
)
