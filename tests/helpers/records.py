"""A client with a record of every kind (a note, an alert, a label, sessions, a
membership, credits, a pass, a message, a data request, an import and a merge), made
through the real ops, for the sweeps that try every route on them."""

import re
from datetime import time, timedelta

from app.accounts.credits.ledger import grant_credits
from app.accounts.memberships.ops import sell_membership
from app.accounts.passes.ops import add_pass
from app.accounts.plans.forms import PlanValues
from app.accounts.plans.ops import save_plan
from app.bookings import scheduling, service_settings
from app.clients import alert_ops, detail_ops, label_ops, note_ops
from app.core.clock import business_today
from app.core.database import write_transaction
from app.core.extensions import db
from app.mail.outbox import queue_email
from app.models import Client, ClientImport, DataRequest, Job, Merge, utcnow
from tests.helpers.bookings import book, future_day, practitioner, service, service_values


def sessions_of(app, actor, client_id: int, tag) -> dict:
    """A practitioner, a service and a class, a booked session and a past one."""
    sam = practitioner(app, actor, name=f"Sam {tag}", email=f"sam-{tag}@example.com")
    massage = service(app, actor)
    with app.app_context():
        yoga = service_settings.save_service(service_values(name="Yoga", capacity=8), actor)
        class_time_id = service_settings.add_class_time(yoga.id, 0, time(18), sam.id, actor).id
        past_id = scheduling.add_past_session(
            client_id, massage, sam.id, utcnow() - timedelta(days=1), "confirmed", actor
        ).id
    booking_id = book(app, actor, client_id, massage, sam.id, future_day(3), "10:00")
    return {
        "booking_id": booking_id,
        "past_booking_id": past_id,
        "service_id": massage,
        "staff_id": sam.id,
        "class_time_id": class_time_id,
    }


def finished_export_job(staff_id: int) -> int:
    """A finished export whose file is long gone (its download answers 410)."""
    with write_transaction():
        job = Job(
            kind="export",
            status="done",
            created_by_id=staff_id,
            result={"rows": 1, "file": "0" * 32 + ".bin", "file_format": "csv", "filename": "x"},
        )
        db.session.add(job)
        db.session.flush()
        return job.id


def import_and_merge(actor, client_id: int) -> dict:
    """An import whose file is gone, and a merge record with nothing behind it: states
    the import's and the merge's routes were not written for."""
    with write_transaction():
        upload = ClientImport(filename="odd.csv", file_format="csv", created_by_id=actor.id)
        merge = Merge(
            survivor_id=client_id,
            survivor_before="{}",
            chosen="{}",
            survivor_version_after=0,
            created_by_id=actor.id,
        )
        db.session.add_all([upload, merge])
        db.session.flush()
        return {"import_id": upload.id, "merge_id": merge.id}


def email_and_request(client_id: int) -> dict:
    """A message to the client and a data-rights request of theirs, for the routes that
    show or decide them."""
    with write_transaction():
        email = queue_email(
            to_address="target@example.com",
            to_name="Target Client",
            kind="session_booked",
            subject="Your session",
            text="Text",
            html="<p>Text</p>",
            client_id=client_id,
        )
        request = DataRequest(client_id=client_id, kind="download")
        db.session.add(request)
        db.session.flush()
        return {"email_id": email.id, "request_id": request.id}


def client_with_everything(app, actor) -> dict:
    """Fresh records for one rule's requests (the sweep's writes may delete or lock
    them): a client with a note, an alert and a label."""
    with app.app_context():
        client = detail_ops.create_client({"first_name": "Target", "last_name": "Client"}, actor)
        note = note_ops.add_note(client, "A note", actor)
        alert = alert_ops.add_alert(client, "warning", "An alert", actor)
        label = label_ops.create_label(f"Label {client.id}", "teal", actor)
        label_ops.change_client_labels(client, actor, add={label.id})
        client_id = client.id
        ids = (
            {
                "client_id": client_id,
                "note_id": note.id,
                "alert_id": alert.id,
                "label_id": label.id,
                "filename": "app.css",
                "action": "confirm",
                "job_id": finished_export_job(actor.id),
                "token": "not-a-real-token",
            }
            | import_and_merge(actor, client_id)
            | email_and_request(client_id)
        )
    return ids | sessions_of(app, actor, client_id, client_id) | accounts_of(app, actor, client_id)


def accounts_of(app, actor, client_id: int) -> dict:
    """A plan sold to the client as a membership, credits issued, and a pass."""
    with app.app_context(), write_transaction():
        client = db.session.get(Client, client_id)
        grant = grant_credits(
            client, 2, utcnow() + timedelta(days=30), "issued", actor, reason="Goodwill"
        )
        grant_id = grant.id
    with app.app_context():
        plan = save_plan(
            PlanValues(f"Gold {client_id}", "membership", 4500, "month", 1, 4, None, True),
            actor,
        )
        membership = sell_membership(client_id, plan.id, business_today(), actor)
        card = add_pass(client_id, f"PASS-{client_id}", actor)
        return {
            "plan_id": plan.id,
            "membership_id": membership.id,
            "grant_id": grant_id,
            "pass_id": card.id,
        }


URL_PART = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def url_of(rule, values: dict) -> str:
    return URL_PART.sub(lambda match: str(values[match.group(1)]), rule.rule)
