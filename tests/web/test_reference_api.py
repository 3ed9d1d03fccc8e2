"""The public reference API over the real reference data, and the health check."""

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(db):
    call_command("load_reference_data", verbosity=0)


def test_forces_lists_43(loaded, client):
    body = client.get("/api/forces/").json()
    assert body["count"] == 43 == len(body["results"])
    codes = {f["code"] for f in body["results"]}
    assert codes == {f"E23{n:06d}" for n in range(1, 40)} | {f"W15{n:06d}" for n in range(1, 5)}


def test_councils_lists_175_each_with_one_force(loaded, client):
    body = client.get("/api/councils/").json()
    assert body["count"] == 175 == len(body["results"])
    assert all(c["force"] and c["force"].startswith(("E23", "W15")) for c in body["results"])
    assert sum(c["country"] == "england" for c in body["results"]) == 153
    assert sum(c["country"] == "wales" for c in body["results"]) == 22


def test_councils_filter_by_force(loaded, client):
    met = client.get("/api/councils/?force=E23000001").json()
    assert met["count"] == 32
    assert {c["code"] for c in met["results"]} == {f"E09{n:06d}" for n in range(2, 34)}
    city = client.get("/api/councils/?force=E23000034").json()
    assert [c["name"] for c in city["results"]] == ["City of London"]


def test_force_detail_by_code(loaded, client):
    assert client.get("/api/forces/W15000004/").json() == {
        "code": "W15000004",
        "name": "Dyfed-Powys",
        "country": "wales",
    }
    assert client.get("/api/forces/X/").status_code == 404


def test_inspections_refused_without_sign_in(client):
    response = client.get("/api/inspections/")
    assert response.status_code == 403
    assert "results" not in response.json()


def test_openapi_schema_describes_the_endpoints(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    for path in ("/api/forces/", "/api/councils/", "/api/inspections/", "/api/inspections/{id}/"):
        assert path in schema["paths"], path


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "triggers": "ok"}


def test_force_page_shows_councils_and_grades(loaded, client):
    page = client.get("/forces/E23000028/").content.decode()
    assert "Thurrock" in page and "Southend-on-Sea" in page
    assert "PEEL 2016 effectiveness" in page
    assert "Inadequate" in page  # PEEL 2015 vulnerability, Essex


def test_every_response_carries_a_request_id(client):
    response = client.get("/healthz")
    assert len(response["X-Request-ID"]) == 36


def test_django_not_found_log_lines_carry_the_request_id(client, caplog):
    import logging

    from cpinspect.web.middleware import RequestIdLogFilter

    caplog.handler.addFilter(RequestIdLogFilter())
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/forces/NOPE/", HTTP_X_REQUEST_ID="log-line-0001")
    assert response.status_code == 404
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records and all(r.request_id == "log-line-0001" for r in records)
