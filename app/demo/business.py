"""The demo business itself: its staff (an owner whose password and kiosk PIN are saved in
the instance folder, and colleagues in each role), the name and address its emails sign
with, and its services, weekly class times and practitioners' working hours."""

import secrets
from datetime import time
from pathlib import Path

from sqlalchemy import select

from app.auth.api import add_staff
from app.bookings.api import add_class_time, save_service, set_practitioner
from app.core.extensions import db
from app.core.sessions import SignedInStaff
from app.mail.api import BUSINESS_NAME, save_business_details
from app.models import BusinessSetting, ClassTime, Service, StaffMember
from app.reception.api import set_kiosk_pin

DEMO_OWNER_EMAIL = "owner@example.com"
DEMO_BUSINESS_NAME = "Willow Wellness Studio"
DEMO_BUSINESS_ADDRESS = "14 Orchard Lane\nBristol BS1 4DJ"
CREDENTIALS_FILE = "demo-owner.txt"

DEMO_STAFF = [
    ("maya.patel@example.com", "Maya Patel", "manager"),
    ("tom.okafor@example.com", "Tom Okafor", "front_desk"),
    ("lena.fischer@example.com", "Lena Fischer", "practitioner"),
    ("ravi.shah@example.com", "Ravi Shah", "practitioner"),
]
# name, minutes, price in minor units, colour, capacity (more than 1: a class)
DEMO_SERVICES = [
    ("Deep tissue massage", 60, 6500, "teal", 1),
    ("Facial", 45, 5500, "pink", 1),
    ("Physio assessment", 30, 4500, "blue", 1),
    ("Yoga flow", 60, 1500, "purple", 12),
    ("Pilates mat", 45, 1400, "orange", 10),
]
# class name -> (weekday, "HH:MM") times
DEMO_CLASS_TIMES = {
    "Yoga flow": [(0, "18:00"), (2, "18:00"), (4, "18:00"), (5, "10:00")],
    "Pilates mat": [(1, "07:30"), (3, "07:30"), (5, "11:30"), (6, "10:00")],
}
DEMO_HOURS = {day: (time(9, 0), time(18, 0)) for day in range(6)}  # Monday to Saturday


def ensure_staff(instance_path: str) -> list[str]:
    report = []
    credentials = Path(instance_path) / CREDENTIALS_FILE
    owner = db.session.scalar(select(StaffMember).where(StaffMember.email == DEMO_OWNER_EMAIL))
    if owner is not None:
        if credentials.exists():
            saved = "  ".join(credentials.read_text().strip().splitlines())
            report.append(f"Demo owner: {saved}")
    else:
        password = secrets.token_urlsafe(12)
        owner = add_staff(DEMO_OWNER_EMAIL, "Olivia Owner", "owner", password)
        credentials.write_text(f"email {DEMO_OWNER_EMAIL}  password {password}\n")
        credentials.chmod(0o600)
        report.append(f"Created demo owner: email {DEMO_OWNER_EMAIL}  password {password}")
    if owner.kiosk_pin_hash is None:
        # Leaving the reception kiosk takes a staff PIN: the demo owner gets one.
        pin = f"{secrets.randbelow(10**6):06d}"
        set_kiosk_pin(SignedInStaff.of(owner), pin)
        if credentials.exists():
            with credentials.open("a") as file:
                file.write(f"kiosk PIN {pin}\n")
        report.append(f"Demo owner's kiosk PIN (to leave the reception kiosk): {pin}")
    for email, name, role in DEMO_STAFF:
        if not db.session.scalar(select(StaffMember.id).where(StaffMember.email == email)):
            add_staff(email, name, role, secrets.token_urlsafe(16))
    return report


def ensure_business() -> None:
    """The name and address every demo email signs with (unless already set)."""
    if db.session.get(BusinessSetting, BUSINESS_NAME) is None:
        save_business_details(DEMO_BUSINESS_NAME, DEMO_BUSINESS_ADDRESS)


def ensure_services(owner) -> tuple[list[Service], list[int]]:
    """Services, classes with their weekly times, and practitioners with hours."""
    if not db.session.scalar(select(Service.id).limit(1)):
        for name, minutes, price, colour, capacity in DEMO_SERVICES:
            values = dict(
                name=name,
                duration_minutes=minutes,
                price_minor=price,
                colour=colour,
                capacity=capacity,
                active=True,
            )
            save_service(values, owner)
    practitioners = db.session.scalars(
        select(StaffMember.id).where(StaffMember.role.in_(("practitioner", "manager")))
    ).all()
    for staff_id in practitioners:
        if not db.session.get(StaffMember, staff_id).takes_bookings:
            set_practitioner(staff_id, True, DEMO_HOURS, owner)
    services = db.session.scalars(select(Service).order_by(Service.id)).all()
    for service in services:
        times = DEMO_CLASS_TIMES.get(service.name, [])
        if times and not db.session.scalar(
            select(ClassTime.id).where(ClassTime.service_id == service.id)
        ):
            for index, (weekday, starts) in enumerate(times):
                leader = practitioners[index % len(practitioners)]
                add_class_time(service.id, weekday, time.fromisoformat(starts), leader, owner)
    return services, practitioners
