"""A published report is read by the public: the question sets it names are named by their
titles, not their ids (``domestic_abuse``), and the draw's software in words."""

from django.template.loader import render_to_string

from cpinspect.reports.content import SOFTWARE_LABELS
from cpinspect.reports.templatetags.reports import question_set_title


def test_question_sets_are_named_by_their_titles():
    assert question_set_title("domestic_abuse") == "Domestic abuse where children live"
    assert question_set_title("core") == "Core questions"
    # an id no longer shipped reads as words, never as a code
    assert question_set_title("retired_theme") == "Retired theme"


def test_the_methodology_names_question_sets_in_words():
    sample = {"question_sets": [("core", 1), ("domestic_abuse", 2)], "totals": {}, "rows": []}
    html = render_to_string(
        "reports/_methodology.html", {"data": {"methodology": {"sample": sample}}}
    )
    assert (
        "Question sets used: Core questions (version 1); "
        "Domestic abuse where children live (version 2)." in html
    )
    assert "domestic_abuse" not in html


def test_the_random_generator_is_named_in_words():
    assert SOFTWARE_LABELS["bit_generator"] == "random number generator"
