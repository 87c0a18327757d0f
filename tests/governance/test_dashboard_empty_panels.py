"""The strategy map and the Querschnittsthemen matrix say what is missing instead of charting zeros."""

import pytest
from django.test import Client

from governance.models import KaStatus, Kernaktivitaet, Kompetenz, Querschnittsthema, Schwerpunkt

MAP_MISSING = "Noch keiner Kernaktivität ist ein Schwerpunkt zugeordnet"
THEMEN_MISSING = "Noch keiner Kernaktivität ist ein Querschnittsthema zugeordnet"


@pytest.fixture(autouse=True)
def plain_http(settings):
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def running_ka(db):
    kompetenz = Kompetenz.objects.create(key="k", code="KKK", name="Kompetenz K", position=1)
    Schwerpunkt.objects.create(kompetenz=kompetenz, position=1, name="Schwerpunkt Eins")
    Querschnittsthema.objects.create(name="Thema Eins", position=1)
    return Kernaktivitaet.objects.create(
        code="KKK-01", titel="KA", kompetenz=kompetenz, status=KaStatus.RUNNING
    )


def test_without_assignments_the_panels_say_what_is_missing(running_ka):
    page = Client().get("/dashboard/").content.decode()
    assert MAP_MISSING in page and THEMEN_MISSING in page
    assert 'id="chart-map-title"' not in page
    assert 'id="chart-themen-title"' not in page


def test_with_assignments_the_panels_show_the_data(running_ka):
    running_ka.schwerpunkt = Schwerpunkt.objects.get()
    running_ka.save()
    running_ka.querschnittsthemen.add(Querschnittsthema.objects.get())
    page = Client().get("/dashboard/").content.decode()
    assert MAP_MISSING not in page and THEMEN_MISSING not in page
    assert 'id="chart-map-title"' in page
    assert 'id="chart-themen-title"' in page
