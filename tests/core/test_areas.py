"""The area contract: an area plugs in by its manifest alone (app/core/areas.py), every
area is listed once, and the registries refuse a second part of a name and any part
that comes after the app started."""

import json
import pkgutil
from pathlib import Path

import pytest
from flask import Blueprint, render_template

import app as app_package
from app.areas import AREAS, load_areas
from app.core.areas import Area, install_on_app, install_parts, installed_for_a_test
from app.core.erasure import ErasureStep, run_erasure_steps
from app.core.export import ExportSection, client_export
from app.core.parts import OverviewCard, ProfileTab, register_tab
from app.core.permissions import Permission, requires
from app.core.profile_shell import render_profile_tab
from app.core.registry import DuplicateName, RegistryClosed
from app.core.settings_pages import SettingsPage
from app.core.settings_pages import bp as settings_bp
from app.core.timeline import ACTIVITY_FILTERS, VERB_LABELS, record
from app.models import Client

SAMPLE_TEMPLATES = Path(__file__).parent.parent / "files" / "sample_area"
erased: list[int] = []


def _sample_area() -> tuple[Area, Blueprint]:
    """A small area, as a newcomer writes one (docs/architecture.md)."""
    bp = Blueprint("sample", __name__, template_folder=str(SAMPLE_TEMPLATES))

    @bp.get("/clients/<id:client_id>/sample")
    @requires(Permission.VIEW_CLIENTS)
    def sample_tab(client_id: int):
        return render_profile_tab(client_id, "sample")

    @bp.get("/settings/sample")
    @requires(Permission.MANAGE_SETTINGS)
    def sample_settings():
        return render_template("sample/settings.html")

    area = Area(
        "sample",
        blueprints=(bp,),
        tabs=(
            ProfileTab(
                "sample",
                "Sample",
                "sample.sample_tab",
                order=500,
                template="sample/_tab.html",
                load=lambda client: {"sample_name": client.first_name},
            ),
        ),
        cards=(
            OverviewCard(
                "sample-card",
                "sample/_card.html",
                order=95,
                load=lambda client: {"greeting": f"hello {client.first_name}"},
            ),
        ),
        verbs={"sample.happened": "Something sampled"},
        activity_filters={"sample": ("Samples", ("sample.happened",))},
        export_sections=(
            ExportSection("sample", lambda client: {"kept": client.first_name}, ("clients",)),
        ),
        erasure_steps=(ErasureStep("sample", lambda client: erased.append(client.id)),),
        settings_pages=(
            SettingsPage("sample", "Sample settings", "sample.sample_settings", order=99),
        ),
    )
    return area, bp


@pytest.fixture
def sample_area():
    area, _bp = _sample_area()
    return area


@pytest.fixture
def app(make_app, sample_area):
    """An app with the sample area added by its manifest, as create_app adds every area."""
    install_parts(load_areas())  # the app's own areas first (a no-op once installed)
    with installed_for_a_test(sample_area):
        application = make_app()
        install_on_app(application, [sample_area])
        yield application


def test_an_area_plugs_in_by_its_manifest_alone(app, owner, amara, sample_area):
    profile = owner.get(f"/clients/{amara}")
    assert profile.status_code == 200
    assert f'href="/clients/{amara}/sample"' in profile.text  # the tab
    assert "Sample card says hello Amara" in profile.text  # the Overview card
    tab = owner.get(f"/clients/{amara}/sample")
    assert tab.status_code == 200 and "Sample tab of Amara" in tab.text

    settings = owner.get("/settings/labels")
    assert 'href="/settings/sample">Sample settings</a>' in settings.text
    page = owner.get("/settings/sample")
    assert page.status_code == 200
    assert '<a href="/settings/sample" aria-current="page">Sample settings</a>' in page.text

    with app.app_context():
        client = app.extensions["sqlalchemy"].session.get(Client, amara)
        exported = json.loads(json.dumps(client_export(client)))
        assert exported["sample"] == {"kept": "Amara"}
        record(client, "sample.happened")  # a verb the manifest declared
        run_erasure_steps(client)
        assert erased[-1] == amara
        app.extensions["sqlalchemy"].session.rollback()
    assert ACTIVITY_FILTERS["sample"] == ("Samples", ("sample.happened",))


def test_the_sample_area_leaves_nothing_behind(make_app, sample_area):
    install_parts(load_areas())
    with installed_for_a_test(sample_area):
        assert "sample.happened" in VERB_LABELS
    # Gone with the block: the registries are as they were, and closed again.
    assert "sample.happened" not in VERB_LABELS and "sample" not in ACTIVITY_FILTERS
    with pytest.raises(RegistryClosed):
        register_tab(sample_area.tabs[0])


def test_a_second_part_of_one_name_is_refused():
    area, _bp = _sample_area()
    twice = Area("sample-twice", tabs=(area.tabs[0], area.tabs[0]))
    with pytest.raises(DuplicateName), installed_for_a_test(twice):
        pass
    sessions_again = Area("sessions-again", tabs=(ProfileTab("sessions", "X", "x.y", 1),))
    with pytest.raises(DuplicateName), installed_for_a_test(sessions_again):
        pass


def test_no_part_is_added_once_the_app_has_started(make_app):
    make_app()
    with pytest.raises(RegistryClosed):
        register_tab(ProfileTab("late", "Late", "clients.show", order=1))
    with pytest.raises(RegistryClosed):
        VERB_LABELS.add("late.verb", "Late")


def test_every_area_is_listed_once_and_declares_its_blueprints(make_app):
    app = make_app()
    assert len(AREAS) == len(set(AREAS))
    packages = {
        f"app.{module.name}"
        for module in pkgutil.iter_modules(app_package.__path__)
        if module.ispkg and (Path(app_package.__path__[0]) / module.name / "manifest.py").exists()
    }
    assert packages == set(AREAS)  # a package with a manifest is an area, and listed
    declared = {bp.name for area in load_areas() for bp in area.blueprints}
    registered = set(app.blueprints) - {"core"}  # the core's own routes: home, health
    assert registered == declared
    assert settings_bp.name in declared
