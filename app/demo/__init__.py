"""Demo data for a newcomer (`flask --app app seed-demo`): a business with its staff and
services, several hundred clients from many countries and a plausible history for each.
Deterministic (seeded) and idempotent; `seed.py` runs the steps the other modules hold."""
