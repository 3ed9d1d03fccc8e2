"""Two people at once, each with their own connection and real transactions (ADR 0020).

Every test repeats its race ``ROUNDS`` times. Each failed on the code before safe editing:
both saves were accepted (the later one silently replaced the earlier), two people adding the
same person got a 500 from the unique index in most rounds, a double click on "add" stored
two recommendations, two publications of plans at once broke the one-published-plan rule.
"""

from datetime import date

import pytest
from django.urls import reverse

from cpinspect.findings import services
from cpinspect.findings.models import AreaForImprovement, CauseOfConcern, Judgement, Recommendation
from cpinspect.programmes.models import TeamMember
from tests.findings.conftest import rec
from tests.forms import date_boxes, opened
from tests.races import ROUNDS, race, raised, signed_in

pytestmark = pytest.mark.django_db(transaction=True)


def _saves(client, url, data):
    """A person opens the edit page, waits for the other, then saves what they typed."""

    def worker(go):
        hidden = opened(client, url)
        go()
        return client.post(url, {**hidden, **data})

    return worker


def _click(client, url, data):
    """One of a double click's two sends: the same page's form, posted at once."""

    def worker(go):
        go()
        return client.post(url, data)

    return worker


def _one_wins(results, typed, names):
    """Exactly one save is taken; the other is refused (409) naming the winner and showing
    what the loser typed. Returns (winner's index, loser's page)."""
    assert not raised(results), raised(results)
    codes = [r.status_code for r in results]
    assert sorted(codes) == [302, 409], codes
    won = codes.index(302)
    lost = 1 - won
    page = results[lost].content.decode()
    assert f"{names[won]} changed this" in page, page[:3000]
    assert typed[lost] in page  # what they typed is still there
    return won, page


def _cause(inspection, user, n):
    return services.cause_of_concern_create(
        inspection=inspection,
        user=user,
        title=f"Delays {n}",
        text="Cases wait.",
        recommendations=[rec()],
    )


def test_two_saves_of_one_cause_of_concern_from_one_version(inspection, people):
    lead, inspector = signed_in(people["lead"]), signed_in(people["inspector"])
    for n in range(ROUNDS):
        cause = _cause(inspection, people["lead"], n)
        url = reverse("findings-cause-edit", args=[inspection.pk, cause.pk])
        typed = [f"Title by the lead {n}", f"Title by the inspector {n}"]
        results = race(
            *(
                _saves(client, url, {"topic": "", "title": title, "text": "Cases wait."})
                for client, title in zip((lead, inspector), typed, strict=True)
            )
        )
        won, page = _one_wins(results, typed, ["Lead", "Inspector"])
        stored = CauseOfConcern.objects.get(pk=cause.pk)
        assert stored.title == typed[won] and stored.version == 2
        assert typed[won] in page  # theirs, shown beside theirs


def test_two_saves_of_one_recommendation_from_one_version(inspection, people):
    lead, inspector = signed_in(people["lead"]), signed_in(people["inspector"])
    for n in range(ROUNDS):
        made = services.recommendation_add(
            inspection=inspection,
            user=people["lead"],
            text=f"Train staff {n}",
            owner="Chief Constable",
            due_on=date(2027, 6, 30),
        )
        url = reverse("findings-recommendation-edit", args=[inspection.pk, made.pk])
        typed = [f"Wording by the lead {n}", f"Wording by the inspector {n}"]
        results = race(
            *(
                _saves(
                    client,
                    url,
                    {
                        "cause_of_concern": "",
                        "recommendation": text,
                        "owner": "Chief Constable",
                        **date_boxes("due_on", "2027-06-30"),
                    },
                )
                for client, text in zip((lead, inspector), typed, strict=True)
            )
        )
        won, _ = _one_wins(results, typed, ["Lead", "Inspector"])
        assert Recommendation.objects.get(pk=made.pk).text == typed[won]


def test_two_status_changes_of_one_recommendation_from_one_version(inspection, people):
    from tests.findings.conftest import publish

    made = services.recommendation_add(
        inspection=inspection,
        user=people["lead"],
        text="Train staff",
        owner="Chief Constable",
        due_on=date(2027, 6, 30),
    )
    publish(inspection, people)
    url = reverse("findings-recommendation", args=[inspection.pk, made.pk])
    lead, manager = signed_in(people["lead"]), signed_in(people["programme_manager"])
    for n in range(ROUNDS):
        Recommendation.objects.filter(pk=made.pk).update(status="open")
        typed = [f"Note by the lead {n}", f"Note by the planner {n}"]
        results = race(
            _saves(lead, url, {"status": "in_progress", "note": typed[0]}),
            _saves(manager, url, {"status": "completed", "note": typed[1]}),
        )
        won, _ = _one_wins(results, typed, ["Lead", "Planner"])
        stored = Recommendation.objects.get(pk=made.pk)
        assert stored.status == ["in_progress", "completed"][won]
        assert [c.note for c in stored.status_changes.all()][-1] == typed[won]
        assert not stored.status_changes.filter(note=typed[1 - won]).exists()


def test_two_saves_of_one_area_for_improvement_from_one_version(inspection, people):
    lead, inspector = signed_in(people["lead"]), signed_in(people["inspector"])
    for n in range(ROUNDS):
        area = services.area_for_improvement_add(
            inspection=inspection, user=people["lead"], text=f"Record the child's voice {n}"
        )
        url = reverse("findings-area-edit", args=[inspection.pk, area.pk])
        typed = [f"Area by the lead {n}", f"Area by the inspector {n}"]
        results = race(
            *(
                _saves(client, url, {"topic": "", "text": text})
                for client, text in zip((lead, inspector), typed, strict=True)
            )
        )
        won, _ = _one_wins(results, typed, ["Lead", "Inspector"])
        assert AreaForImprovement.objects.get(pk=area.pk).text == typed[won]


def test_two_tabs_recording_one_judgement_from_one_version(inspection, people):
    """Only the lead records judgements: two of their tabs, both opened before either saved
    (the first records it, the other must not silently replace it)."""
    topics = ["leadership", "partnership_working", "initial_response"]
    tabs = signed_in(people["lead"]), signed_in(people["lead"])
    for n in range(ROUNDS):
        topic = topics[n % len(topics)]
        Judgement.objects.filter(inspection=inspection, topic=topic).delete()
        url = reverse("findings-judgement", args=[inspection.pk, topic])
        typed = [f"Reasons in the first tab {n}", f"Reasons in the second tab {n}"]
        results = race(
            _saves(tabs[0], url, {"grade": "good", "rationale": typed[0]}),
            _saves(tabs[1], url, {"grade": "inadequate", "rationale": typed[1]}),
        )
        won, _ = _one_wins(results, typed, ["Lead", "Lead"])
        stored = Judgement.objects.get(inspection=inspection, topic=topic)
        assert (stored.grade, stored.rationale) == (["good", "inadequate"][won], typed[won])


def test_two_people_adding_the_same_person_to_a_team_at_once(inspection, people):
    """The unique index lets one in; the other gets the reason on the form, never a 500."""
    url = reverse("team-add", args=[inspection.pk])
    joining = people["other_lead"]
    adding = signed_in(people["lead"]), signed_in(people["programme_manager"])
    for _ in range(ROUNDS):
        TeamMember.objects.filter(inspection=inspection, user=joining).delete()
        results = race(
            *(_saves(client, url, {"user": joining.pk, "role": "moderator"}) for client in adding)
        )
        assert not raised(results), raised(results)
        codes = sorted(r.status_code for r in results)
        assert codes == [302, 400], codes
        refused = next(r for r in results if r.status_code == 400).content.decode()
        assert "Otherlead is already on this team as a moderator." in refused
        assert 'href="#id_user"' in refused  # on the field, in the error summary
        assert TeamMember.objects.filter(inspection=inspection, user=joining).count() == 1


def test_two_lead_appointments_at_once(planned_inspection, people):
    """One lead per inspection: of two tabs appointing different leads at once, the second
    is told who the lead is now."""
    url = reverse("team-add", args=[planned_inspection.pk])
    tabs = signed_in(people["programme_manager"]), signed_in(people["programme_manager"])
    for _ in range(ROUNDS):
        TeamMember.objects.filter(inspection=planned_inspection, role="lead").delete()
        results = race(
            _saves(tabs[0], url, {"user": people["lead"].pk, "role": "lead"}),
            _saves(tabs[1], url, {"user": people["other_lead"].pk, "role": "lead"}),
        )
        assert not raised(results), raised(results)
        assert sorted(r.status_code for r in results) == [302, 400]
        lead = TeamMember.objects.get(inspection=planned_inspection, role="lead")
        refused = next(r for r in results if r.status_code == 400).content.decode()
        summary = refused[refused.find("govuk-error-summary__list") :][:400]
        assert f"{lead.user.full_name} is already the lead inspector" in refused, summary


def test_a_double_submit_of_a_new_recommendation_makes_one_row(inspection, people):
    """A double click: the same browser (one session, one page) sends the form twice at once."""
    url = reverse("findings-recommendation-new", args=[inspection.pk])
    first, second = signed_in(people["inspector"]), signed_in(people["inspector"])
    second.cookies = first.cookies  # the same browser
    for n in range(ROUNDS):
        data = {
            **opened(first, url),
            "cause_of_concern": "",
            "recommendation": f"Supervise every referral {n}",
            "owner": "Chief Constable",
            **date_boxes("due_on", "2027-06-30"),
        }

        results = race(_click(first, url, data), _click(second, url, data))
        assert not raised(results), raised(results)
        assert [r.status_code for r in results] == [302, 302]
        assert all(r.url == reverse("findings-inspection", args=[inspection.pk]) for r in results)
        assert Recommendation.objects.filter(text=f"Supervise every referral {n}").count() == 1


def test_a_double_submit_of_a_new_cause_of_concern_makes_one_row(inspection, people):
    url = reverse("findings-cause-new", args=[inspection.pk])
    first, second = signed_in(people["lead"]), signed_in(people["lead"])
    second.cookies = first.cookies
    for n in range(ROUNDS):
        data = {
            **opened(first, url),
            "topic": "",
            "title": f"Backlog {n}",
            "text": "Cases wait.",
            "recommendation": "Clear it.",
            "owner": "Chief Constable",
            **date_boxes("due_on", "2027-06-30"),
        }
        results = race(_click(first, url, data), _click(second, url, data))
        assert not raised(results), raised(results)
        assert CauseOfConcern.objects.filter(title=f"Backlog {n}").count() == 1
        assert Recommendation.objects.filter(cause_of_concern__title=f"Backlog {n}").count() == 1
