import pytest

from notifications.models import NotificationPreference


@pytest.fixture
def logged_in(client, people, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    client.force_login(people.pg)
    return client


def test_preferences_page_shows_both_optional_mails(logged_in) -> None:
    response = logged_in.get("/mail-einstellungen/", secure=True)
    assert response.status_code == 200
    assert 'name="vorab_erinnerungen"' in response.content.decode()
    assert 'name="wochenuebersicht"' in response.content.decode()


def test_a_person_opts_out_of_early_reminders(logged_in, people) -> None:
    response = logged_in.post("/mail-einstellungen/", {"wochenuebersicht": "on"}, secure=True)
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=people.pg)
    assert (preference.vorab_erinnerungen, preference.wochenuebersicht) == (False, True)


def test_the_page_needs_a_login(client, db) -> None:
    response = client.get("/mail-einstellungen/", secure=True)
    assert response.status_code == 302 and "/anmelden/" in response["Location"]


def test_a_person_unticks_every_optional_mail(logged_in, people) -> None:
    """A form with every box unticked sends an empty POST; it is a choice, not a page view."""
    response = logged_in.post("/mail-einstellungen/", {}, secure=True)
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=people.pg)
    assert (preference.vorab_erinnerungen, preference.wochenuebersicht) == (False, False)
