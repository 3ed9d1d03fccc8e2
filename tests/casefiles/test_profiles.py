"""Import profiles: built-ins are valid; errors name the file, line and problem."""

import pytest
from django.core.management import CommandError, call_command

from cpinspect.casefiles import profiles


@pytest.mark.parametrize("name", ["canonical", "police-uk-street", "police-uk-outcomes"])
def test_builtin_profiles_are_valid(name):
    assert profiles.get_profile(name).name == name


def test_builtins_listed():
    assert profiles.builtin_names() == ["canonical", "police-uk-outcomes", "police-uk-street"]


BAD = """name: bad
format: doc
encoding: klingon-8
columns:
  case_ref: Ref
  nope: Other
category_map:
  DA: domestic bliss
date_formats: ["dd/mm/yyyy"]
surprise: 1
missing_reference: derive
skip_rows: -1
"""


def test_problems_name_file_and_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    with pytest.raises(profiles.ProfileError) as caught:
        profiles.load_file(path)
    problems = caught.value.problems
    expected = [
        f"{path}:2: format must be one of",
        f"{path}:3: unknown encoding 'klingon-8'",
        f"{path}:6: 'nope' is not a field of the canonical schema",
        f"{path}:8: 'domestic bliss' is not a category",
        f"{path}:9: 'dd/mm/yyyy' is not a strftime format",
        f"{path}:10: unknown setting 'surprise'",
        f"{path}:11: derive needs derive_reference_from",
        f"{path}:12: skip_rows cannot be negative",
    ]
    for start in expected:
        assert any(p.startswith(start) for p in problems), (start, problems)


def test_yaml_syntax_error_has_a_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\ncolumns:\n  case_ref: [unclosed\n")
    with pytest.raises(profiles.ProfileError) as caught:
        profiles.load_file(path)
    assert caught.value.problems[0].startswith(f"{path}:")
    assert "not valid YAML" in caught.value.problems[0]


def test_check_profile_command(tmp_path, capsys):
    call_command("check_profile", "police-uk-street")
    assert "is valid" in capsys.readouterr().out
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    with pytest.raises(CommandError, match="problem"):
        call_command("check_profile", str(path))
    assert f"{path}:2:" in capsys.readouterr().err


def test_unknown_profile():
    with pytest.raises(profiles.ProfileError, match="no such profile"):
        profiles.get_profile("nonesuch")
