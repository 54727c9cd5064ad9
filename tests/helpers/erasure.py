"""A client marked in every field, and the marks an erasure must leave nowhere on disk."""

from app.clients import detail_ops
from app.core.extensions import db
from app.models import Client
from app.models.text import fold
from app.portal.requests import asking

MARKER = "Zq8wvh"
GREEK = "ψζ"  # no other data holds Greek: its bytes in the search index would be the client's


def marked_client(app, owner):
    """A client with a marker in every field, edited a few times, with a note, an
    alert, a lock reason and a booking policy reason."""
    with app.app_context():
        client = detail_ops.create_client(
            {
                "first_name": f"Ann{MARKER}",
                "last_name": f"Oak{MARKER}{GREEK}",
                "email": f"{MARKER.lower()}@example.com",
                "phone": "+442079461357",
                "whatsapp": "+442079462468",
                "address": f"1 {MARKER} Road",
                "city": f"{MARKER}ville",
                "state": f"{MARKER}shire",
                "postal_code": "QX8 1ZZ",
                "country": "GB",
            },
            owner.staff,
        )
        client_id = client.id
        for number in range(3):  # old versions in the log, old values quoted by the timeline
            client = db.session.get(Client, client_id)
            detail_ops.update_client(
                client,
                {"first_name": f"Ann{MARKER}{number}", "city": f"{MARKER}town{number}"},
                owner.staff,
            )
    # The client's side: an account (its address) and its invitation email (address,
    # name, body), and a correction they asked for.
    assert owner.post(f"/clients/{client_id}/client-page/invite").status_code == 200
    with app.app_context():
        asking.suggest_correction(db.session.get(Client, client_id), {"city": f"{MARKER}burg"})
    owner.post(f"/clients/{client_id}/notes/new", {"body": f"Note {MARKER}"})
    owner.post(f"/clients/{client_id}/alerts/new", {"severity": "info", "text": f"Alert {MARKER}"})
    owner.post(f"/clients/{client_id}/booking-policy", {"policy": "block", "reason": MARKER})
    owner.post(f"/clients/{client_id}/lock", {"reason": f"Lock {MARKER}"})
    return client_id


def needles(client_id_name: str) -> list[str]:
    return [
        MARKER,
        fold(client_id_name),  # the folded search_text / sort_name form
        f"{MARKER.lower()}@example.com",
        GREEK,
        "2079461357",
        "2079462468",
        "020 7946 1357",
        "QX8 1ZZ",
    ]
