"""Two staff booking the same slot at the same moment: exactly one gets it. Through
gunicorn with two workers, on SQLite and on PostgreSQL (the conflict check runs inside
the write transaction, behind a lock on the practitioner or the class)."""

import threading
from datetime import time

from sqlalchemy import func, select

from app.bookings import service_settings
from app.core.extensions import db
from app.models import HOLDING_STATUSES, Booking
from tests.helpers.bookings import future_day, practitioner, service
from tests.helpers.concurrency import Outcomes, run_together, server_log_problems
from tests.helpers.live_server import gunicorn_server, sign_in_over_http

STAFF = 8
ROUNDS = 4


def test_simultaneous_bookings_of_one_slot_and_one_class(
    app, staff_factory, client_factory, tmp_path, database_url
):
    owner = staff_factory(role="owner")
    staff = [staff_factory(role="front_desk") for _ in range(STAFF)]
    clients = [client_factory(first_name=f"Racer {n}") for n in range(STAFF)]
    sam = practitioner(app, owner)
    massage = service(app, owner)
    yoga = service(app, owner, name="Yoga", capacity=3)
    day = future_day(5)
    with app.app_context():
        service_settings.add_class_time(yoga, day.weekday(), time(18, 0), sam.id, owner)
    outcomes = Outcomes()
    error_log = tmp_path / "error.log"
    slots = [f"{9 + round_number}:00".zfill(5) for round_number in range(ROUNDS)]

    with gunicorn_server(database_url, error_log=error_log) as base_url:
        sessions = [sign_in_over_http(base_url, member.email) for member in staff]
        barrier = threading.Barrier(STAFF)

        def colleague(index: int) -> None:
            http = sessions[index]
            for at in slots:
                barrier.wait()  # everyone asks for the same time at once
                answer = http.post(
                    f"/clients/{clients[index]}/sessions/new",
                    data={
                        "service": massage,
                        "practitioner": sam.id,
                        "day": day.isoformat(),
                        "time": at,
                    },
                    headers={"HX-Request": "true"},
                )
                outcomes.add(answer, {200, 422}, f"colleague {index} at {at}")
            barrier.wait()
            answer = http.post(
                f"/clients/{clients[index]}/sessions/new",
                data={"service": yoga, "day": day.isoformat(), "time": "18:00"},
                headers={"HX-Request": "true"},
            )
            outcomes.add(answer, {200, 422}, f"colleague {index} class")

        run_together(colleague, STAFF)

    assert not outcomes.problems, outcomes.problems[:10]
    assert not server_log_problems(error_log)
    with app.app_context():
        held = select(func.count()).where(Booking.status.in_(HOLDING_STATUSES))
        per_slot = db.session.scalar(held.where(Booking.service_id == massage))
        in_class = db.session.scalar(held.where(Booking.service_id == yoga))
    assert per_slot == ROUNDS  # one booking per slot, never two
    assert in_class == 3  # the class filled to its capacity, not beyond
    assert outcomes.statuses.count(200) == ROUNDS + 3
