"""Issue 15, failure 2: "Fixed counts" drew a 0-case sample (the counts never reached the
design and the form had no field for them), and the empty sample then hid the draw form."""

import pytest
from django.urls import reverse

from cpinspect.casefiles import sampling, services
from cpinspect.casefiles.models import Sample
from tests.casefiles.conftest import synthetic_csv
from tests.forms import submit

pytestmark = pytest.mark.django_db


def _draw(client, inspection, data):
    home = reverse("casefiles-extract", args=[inspection.pk])
    draw = reverse("casefiles-sample-draw", args=[inspection.pk])
    return submit(
        client, draw, {"method": "fixed", "minimum": 5, "seed": 3, **data}, page=home, action=draw
    )


def test_fixed_counts_typed_on_the_page_are_the_sample(client, inspection, people, import_csv):
    import_csv(synthetic_csv(400))
    client.force_login(people["lead"])
    page = client.get(reverse("casefiles-extract", args=[inspection.pk])).content.decode()
    assert (
        'name="fixed_missing_children"' in page
        and "Missing and absent children: cases to draw" in page
    )
    response = _draw(client, inspection, {"fixed_missing_children": 4, "fixed_online_abuse": 3})
    assert response.status_code == 302
    sample = Sample.objects.get()
    assert sample.total_size == 7
    assert sample.allocation["missing_children"] == 4 and sample.allocation["online_abuse"] == 3
    assert (
        sum(
            v for k, v in sample.allocation.items() if k not in {"missing_children", "online_abuse"}
        )
        == 0
    )


def test_fixed_counts_with_no_count_are_refused_and_the_form_stays(
    client, inspection, people, import_csv
):
    import_csv(synthetic_csv(400))
    client.force_login(people["lead"])
    response = _draw(client, inspection, {})
    assert response.status_code == 400
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert 'href="#id_fixed_vulnerability_and_risk"' in page
    assert "Give the number of cases to draw for at least one category" in page
    assert not Sample.objects.exists()
    # what was typed is kept and the form is still there to try again
    assert 'value="fixed" selected' in page and "Draw the sample" in page
    assert _draw(client, inspection, {"fixed_cse": 2}).status_code == 302
    assert Sample.objects.get().total_size == 2


def test_a_design_that_draws_nothing_is_refused_and_keeps_the_extract_drawable(
    inspection, people, import_csv
):
    extract = import_csv(synthetic_csv(300))
    empty = sampling.Design(method="fixed", fixed={})
    with pytest.raises(services.SampleRefused, match="draw no cases"):
        services.sample_draw(extract=extract, user=people["lead"], design=empty, seed=1)
    assert not Sample.objects.exists()
    # the references were not destroyed: the same extract can still be sampled
    sample = services.sample_draw(
        extract=extract, user=people["lead"], design=sampling.Design(), seed=1
    )
    assert sample.total_size > 0
