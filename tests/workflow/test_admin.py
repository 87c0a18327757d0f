"""Deputies are named in the admin; decision processes are only shown there, never edited by hand."""

from django.contrib.auth import get_user_model

from tests.otp import verify_second_factor
from workflow import services


def test_admin_names_deputies_and_shows_processes_read_only(people, proposal, client):
    admin = get_user_model().objects.create_superuser("admin", "admin@bochum.example", None)
    client.force_login(admin)
    verify_second_factor(client, admin)
    services.kernaktivitaet_submit(actor=people.pg, kernaktivitaet=proposal)
    assert client.get("/admin/workflow/vertretung/add/").status_code == 200
    response = client.post(
        "/admin/workflow/vertretung/add/",
        {
            "vertretene_person": people.zirkel.pk,
            "vertretung": people.zirkel2.pk,
            "von": "2026-07-01",
            "bis": "2026-06-01",
        },
    )
    assert response.status_code == 200  # refused: ends before it begins
    assert "nicht vor ihrem Beginn" in response.content.decode()
    listing = client.get("/admin/workflow/kaprocess/")
    assert listing.status_code == 200 and proposal.code in listing.content.decode()
    assert client.get("/admin/workflow/kaprocess/add/").status_code == 403
