"""Benchmark for Clientele: `make bench` (or `python -m bench.run --help`).

Builds large SQLite and PostgreSQL databases through the real migrations, serves them with
gunicorn, loads the pages with wrk, times search in-process and prints the figures next to
their targets.
"""
