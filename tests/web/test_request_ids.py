"""An incoming X-Request-ID is kept only if it fits where it is stored (the access log's
request_id column holds 36 characters, a UUID's length); any other is replaced by a fresh
UUID, so a long id can never break a page (issue #11 item 6)."""

import uuid

import pytest
from django.urls import reverse

from cpinspect.audittrail.models import AccessLogEntry

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("length", [37, 50, 64, 65, 200])
def test_a_long_request_id_is_replaced_and_the_logged_page_still_works(
    length, client, inspection, people
):
    client.force_login(people["lead"])
    sent = ("a1b2-" * 60)[:length]
    response = client.get(
        reverse("inspection-detail", args=[inspection.pk]), HTTP_X_REQUEST_ID=sent
    )
    assert response.status_code == 200
    kept = response["X-Request-ID"]
    assert kept != sent and str(uuid.UUID(kept)) == kept
    assert AccessLogEntry.objects.get(object_id=str(inspection.pk)).request_id == kept


@pytest.mark.parametrize("sent", ["abcd1234", "a" * 36, str(uuid.uuid4())])
def test_a_request_id_that_fits_is_kept_in_the_header_and_the_log(sent, client, inspection, people):
    client.force_login(people["lead"])
    response = client.get(
        reverse("inspection-detail", args=[inspection.pk]), HTTP_X_REQUEST_ID=sent
    )
    assert response.status_code == 200 and response["X-Request-ID"] == sent
    assert AccessLogEntry.objects.get(object_id=str(inspection.pk)).request_id == sent


@pytest.mark.parametrize("sent", ["short", "has space in it", "semi;colon-1234", "é" * 10])
def test_an_odd_request_id_is_replaced(sent, client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=sent)
    assert response["X-Request-ID"] != sent and len(response["X-Request-ID"]) == 36
