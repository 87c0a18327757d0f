"""The dashboard body is kept per reader group and language, and never outlives the data it shows."""

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from governance.models import Kompetenz, Schwerpunkt
from tests.people import People, propose
from workflow import services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def plain_http(settings: Any) -> None:
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def _get(client: Client, language: str = "de") -> tuple[str, int]:
    """The page's main content (the frame around it carries a fresh CSRF token) and the query count."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    main = re.search(r"<main.*</main>", response.content.decode(), re.S)
    assert main is not None
    return main.group(0), len(queries)


def _zirkel_count(body: str, kompetenz: Kompetenz) -> int:
    """The „Strategiezirkel“ column of the Kompetenz's row in the status table."""
    row = re.search(
        rf"<th scope=\"row\" class=\"kern-table__cell\">{kompetenz.name}</th>(.*?)</tr>", body, re.S
    )
    assert row is not None
    counts = re.findall(r">(\d+)</td>", row.group(1))
    return int(counts[1])


def test_second_view_comes_from_the_cache_with_the_same_body(strategy: None) -> None:
    client = Client()
    first, first_queries = _get(client)
    second, second_queries = _get(client)
    assert second == first
    # Only the question whether the data changed is left.
    assert second_queries == 1 < first_queries


def test_a_submitted_proposal_shows_at_once(strategy: None, people: People) -> None:
    lead, zirkel = people.pg, people.zirkel
    kompetenz = Kompetenz.objects.order_by("position").first()
    assert kompetenz is not None
    client = Client()
    client.force_login(zirkel)
    before, _queries = _get(client)
    proposal = propose(actor=lead, kompetenz=kompetenz, titel="Neu")
    services.kernaktivitaet_submit(actor=lead, kernaktivitaet=proposal)
    after, _queries = _get(client)
    assert _zirkel_count(after, kompetenz) == _zirkel_count(before, kompetenz) + 1


def test_reader_groups_and_languages_get_their_own_body(strategy: None, people: People) -> None:
    lead = people.pg
    # A Kompetenz of its own, so that the draft is the only KA of its map row.
    kompetenz = Kompetenz.objects.create(key="probe", code="PRB", name="Probe", position=99)
    # With a Schwerpunkt: the strategy map shows KA only once some KA has one.
    schwerpunkt = Schwerpunkt.objects.create(kompetenz=kompetenz, position=1, name="Probe-Schwerpunkt")
    draft = propose(actor=lead, kompetenz=kompetenz, titel="Entwurf", schwerpunkt=schwerpunkt)
    zirkel = Client()
    zirkel.force_login(people.zirkel)
    public = Client()
    own = Client()
    own.force_login(lead)

    assert draft.code in _get(zirkel)[0]
    # The public, served after the Zirkel, must not get the internal map from the cache.
    assert draft.code not in _get(public)[0]
    assert draft.code in _get(own)[0]
    english, _queries = _get(public, "en")
    assert "Kernaktivitäten je Kompetenz und Status" not in english


@pytest.mark.redis
def test_the_shared_redis_cache_of_production_serves_the_body(strategy: None, settings: Any) -> None:
    from uuid import uuid4

    from tests.conftest import redis_url

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url(),
            "KEY_PREFIX": f"test-{uuid4().hex}",
            "TIMEOUT": 60,
        }
    }
    first, first_queries = _get(Client())
    # Another client stands for another worker process: the body comes from Redis.
    second, second_queries = _get(Client())
    assert second == first
    assert second_queries == 1 < first_queries
