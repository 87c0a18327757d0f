"""The overview's filter form."""

import pytest

from governance.forms import KaFilterForm


@pytest.mark.django_db
def test_filter_form_keeps_the_chosen_kompetenz(strategy: None) -> None:
    from governance.models import Kompetenz

    kompetenz = Kompetenz.objects.order_by("position")[1]
    form = KaFilterForm({"kompetenz": str(kompetenz.pk)})
    assert form.is_valid()
    html = str(form["kompetenz"])
    assert f'<option value="{kompetenz.pk}" selected>{kompetenz.name}</option>' in html
    assert html.count(" selected") == 1
