"""The area manifest: everything an area adds to the app, declared in one place.

An area is a package of app/ (clients, bookings, mail ...). Its `manifest.py` builds one
`Area` naming its blueprints and every part it adds to the core's registries: profile
tabs and cards, header cards and actions, list badges and finders, timeline verbs and
filters, export sections and erasure steps with the tables they cover, the tables an
erasure scrubs, what a merge does with its tables, the events it listens to, its jobs,
Settings pages, CLI commands and template globals. app/areas.py lists the areas; the
app factory walks that list, as Django walks INSTALLED_APPS.

The parts are installed into the registries once per process, when the first app is
created; the registries then close: a part added later is refused, and so is a second
part of a name already taken. Blueprints, commands and template globals belong to each
app and are added to every app created.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import Blueprint, Flask

from app.core import events, parts, timeline
from app.core.database import PERSONAL_TABLES
from app.core.erasure import ERASURE_STEPS, ErasureStep
from app.core.export import EXPORT_SECTIONS, ExportSection
from app.core.jobs import JOB_KINDS, JobKind, hourly_task
from app.core.merging import MERGE_DERIVED, MERGE_STAYS
from app.core.profile_shell import set_profile_shell
from app.core.registry import Registry
from app.core.row_words import ROW_WORDS
from app.core.settings_pages import SETTINGS_PAGES, SettingsPage

# Blueprints whose views check their own sign-in; the sign-in gate (app/auth/gate.py)
# lets their requests through.
OTHER_REALMS: set[str] = set()


@dataclass(frozen=True)
class HourlyTask:
    """Work the job consumer runs every hour at `minute` (idempotent: a late or repeated
    run does no harm)."""

    name: str
    minute: int
    work: Callable[[], object]


@dataclass(frozen=True)
class Area:
    name: str
    blueprints: tuple[Blueprint, ...] = ()
    # Blueprints whose views check a sign-in of their own (the client page, the kiosk).
    other_realms: tuple[Blueprint, ...] = ()
    # The profile
    tabs: tuple[parts.ProfileTab, ...] = ()
    cards: tuple[parts.OverviewCard, ...] = ()
    header_cards: tuple[parts.HeaderCard, ...] = ()
    actions: tuple[parts.ProfileAction, ...] = ()
    badges: tuple[parts.ClientBadges, ...] = ()
    finders: tuple[parts.ClientFinder, ...] = ()
    profile_shell: Callable | None = None  # the area that draws the profile (clients)
    # The timeline
    verbs: dict[str, str] = field(default_factory=dict)  # verb -> how it reads
    field_changing_verbs: tuple[str, ...] = ()  # events whose changes are field diffs
    audit_field_labels: dict[str, str] = field(default_factory=dict)
    activity_filters: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    # Verbs added to another area's filter: dropped when that area is not installed.
    filter_additions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # A client's data
    export_sections: tuple[ExportSection, ...] = ()
    erasure_steps: tuple[ErasureStep, ...] = ()
    personal_tables: tuple[str, ...] = ()  # what an erasure scrubs from the files
    merge_stays: dict[str, str] = field(default_factory=dict)  # table -> why it stays
    merge_derived: dict[str, Callable[[int], None]] = field(default_factory=dict)
    # How staff read a count of the area's rows ("3 sessions"): table -> (one, many).
    row_words: dict[str, tuple[str, str]] = field(default_factory=dict)
    # What happens elsewhere that the area acts on: (event class, handler).
    subscriptions: tuple[tuple[type, Callable], ...] = ()
    # Work
    job_kinds: tuple[JobKind, ...] = ()
    hourly_tasks: tuple[HourlyTask, ...] = ()
    settings_pages: tuple[SettingsPage, ...] = ()
    commands: tuple = ()  # click commands and groups: `flask --app app <name>`
    template_globals: dict[str, object] = field(default_factory=dict)
    template_filters: dict[str, Callable] = field(default_factory=dict)
    # Per app, after its blueprints are registered (a mail server's settings, say).
    on_app: tuple[Callable[[Flask], None], ...] = ()


AREA_NAMES = Registry("area")
_installed = False  # the parts go in once per process, whatever apps are made


def _add_parts(area: Area) -> None:
    AREA_NAMES.add(area.name, area)
    for tab in area.tabs:
        parts.register_tab(tab)
    for card in area.cards:
        parts.register_card(card)
    for card in area.header_cards:
        parts.register_header_card(card)
    for action in area.actions:
        parts.register_action(action)
    for badges in area.badges:
        parts.register_client_badges(badges)
    for finder in area.finders:
        parts.register_client_finder(finder)
    if area.profile_shell is not None:
        set_profile_shell(area.profile_shell)
    for verb, label in area.verbs.items():
        timeline.VERB_LABELS.add(verb, label)
    for verb in area.field_changing_verbs:
        timeline.FIELD_CHANGING_VERBS.add(verb)
    for name, label in area.audit_field_labels.items():
        timeline.AUDIT_FIELD_LABELS.add(name, label)
    for name, activity_filter in area.activity_filters.items():
        timeline.ACTIVITY_FILTERS.add(name, activity_filter)
    for section in area.export_sections:
        EXPORT_SECTIONS.add(section.name, section)
    for step in area.erasure_steps:
        ERASURE_STEPS.add(step.name, step)
    for table in area.personal_tables:
        PERSONAL_TABLES.add(table)
    for table, reason in area.merge_stays.items():
        MERGE_STAYS.add(table, reason)
    for table, recount in area.merge_derived.items():
        MERGE_DERIVED.add(table, recount)
    for table, words in area.row_words.items():
        ROW_WORDS.add(table, words)
    for event_class, handler in area.subscriptions:
        events.subscribe(event_class, handler)
    for kind in area.job_kinds:
        JOB_KINDS.add(kind.name, kind)
    for page in area.settings_pages:
        SETTINGS_PAGES.add(page.name, page)


def _add_filter_additions(area: Area) -> None:
    for name, verbs in area.filter_additions.items():
        if name in timeline.ACTIVITY_FILTERS:  # else the area that names it is absent
            label, existing = timeline.ACTIVITY_FILTERS[name]
            timeline.ACTIVITY_FILTERS.replace(name, (label, (*existing, *verbs)))


ALL_REGISTRIES = (
    AREA_NAMES,
    *parts.PROFILE_REGISTRIES,
    timeline.VERB_LABELS,
    timeline.FIELD_CHANGING_VERBS,
    timeline.AUDIT_FIELD_LABELS,
    timeline.ACTIVITY_FILTERS,
    EXPORT_SECTIONS,
    ERASURE_STEPS,
    PERSONAL_TABLES,
    MERGE_STAYS,
    MERGE_DERIVED,
    ROW_WORDS,
    events.SUBSCRIPTIONS,
    JOB_KINDS,
    SETTINGS_PAGES,
)


def install_parts(areas: list[Area]) -> None:
    """Add every area's parts to the registries, then close them (once per process)."""
    global _installed
    if _installed:
        return
    _installed = True
    for area in areas:
        _add_parts(area)
    for area in areas:  # once every filter is declared, whatever the order
        _add_filter_additions(area)
    for registry in ALL_REGISTRIES:
        registry.close()


def install_on_app(app: Flask, areas: list[Area]) -> None:
    """What each app gets of its own: blueprints, realms, commands, template helpers, tasks."""
    for area in areas:
        for blueprint in area.blueprints:
            app.register_blueprint(blueprint)
        for blueprint in area.other_realms:
            OTHER_REALMS.add(blueprint.name)
        for command in area.commands:
            app.cli.add_command(command)
        for name, value in area.template_globals.items():
            app.add_template_global(value, name)
        for name, function in area.template_filters.items():
            app.add_template_filter(function, name)
        for task in area.hourly_tasks:
            hourly_task(app, task.name, task.minute, task.work)
        for setup in area.on_app:
            setup(app)


@contextmanager
def installed_for_a_test(area: Area) -> Iterator[Area]:
    """For a test: `area`'s parts are in the registries while the block runs, then the
    registries are as they were (and closed again)."""
    saved = [(registry, dict(registry.items()), registry.closed) for registry in ALL_REGISTRIES]
    for registry in ALL_REGISTRIES:
        registry._closed = False
    try:
        _add_parts(area)
        _add_filter_additions(area)
        yield area
    finally:
        for registry, items, closed in saved:
            registry._items = items
            registry._closed = closed
