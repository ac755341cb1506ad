"""Definitions: the schema and the checks a schema cannot make, every problem at once;
conditions over steps, fields and group items; loading files as versions."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from tests.forms.engine_support import small_content

from hamburg_service.forms.definition import DefinitionError, definition_check
from hamburg_service.forms.logic import exit_step, visible_answers, visible_steps
from hamburg_service.forms.models import DefinitionState, FormDefinition
from hamburg_service.forms.summary import answers_by_step

TODAY = dt.date(2030, 6, 1)


def test_the_small_form_is_valid():
    spec = definition_check(small_content())
    assert [s.key for s in spec.steps] == ["owner", "pet", "no-tigers", "household", "documents"]
    assert spec.field("member_name").group == "family"
    assert spec.title("en") == "Report a pet"


def test_a_condition_reads_only_answers_given_before_it():
    """Without JavaScript a page cannot show a question for an answer given further down: a
    condition on a later field (or a later field of the same item) is refused."""
    content = small_content()
    first = content["steps"][0]["fields"][0]
    last_key = content["steps"][0]["fields"][-1]["key"]
    first["show_if"] = {"!!": [{"var": last_key}]}
    group = next(
        f for step in content["steps"] for f in step.get("fields", []) if f["type"] == "group"
    )
    group["fields"][0]["show_if"] = {"!!": [{"var": f"item.{group['fields'][-1]['key']}"}]}
    with pytest.raises(DefinitionError) as error:
        definition_check(content)
    problems = "\n".join(error.value.problems)
    assert f"reads '{last_key}', which comes later" in problems
    assert "comes later in the item" in problems


def test_every_problem_is_named():
    content = small_content()
    owner = content["steps"][0]["fields"]
    owner[0]["type"] = "colour"
    owner[1]["key"] = "email"  # used twice
    owner[2]["min"] = "yesterday"
    content["steps"][1]["fields"][1]["show_if"] = {"==": [{"var": "kinds"}, "dog"]}
    content["steps"][1]["fields"][1]["pattern"] = "(["
    content["trust_level"] = "medium"
    with pytest.raises(DefinitionError) as schema_error:
        definition_check(content)
    problems = "\n".join(schema_error.value.problems)
    assert "unknown field type 'colour'" in problems
    assert "steps/0/fields/2/min" in problems
    assert "trust_level" in problems
    content = small_content()
    content["steps"][0]["fields"][1]["key"] = "email"
    content["steps"][1]["fields"][1]["show_if"] = {"==": [{"var": "kinds"}, "dog"]}
    content["steps"][1]["fields"][1]["pattern"] = "(["
    content["steps"][1]["fields"][2]["show_if"] = {"frobnicate": [1]}
    content["case"]["email"] = "mail"
    with pytest.raises(DefinitionError) as semantic:
        definition_check(content)
    problems = "\n".join(semantic.value.problems)
    assert "'email' is used twice" in problems
    assert "reads 'kinds', which is no field" in problems
    assert "not a regular expression" in problems
    assert "unknown JsonLogic operation 'frobnicate'" in problems
    assert "case/email" in problems


def test_conditions_on_steps_fields_groups_and_exits():
    spec = definition_check(small_content())
    cat = {"kind": "cat", "chip": "123456789012345", "family": [{"member_name": "A"}]}
    assert [s.key for s in visible_steps(spec, cat, today=TODAY)] == ["owner", "pet", "documents"]
    assert "chip" not in visible_answers(spec, cat, today=TODAY)
    assert "family" not in visible_answers(spec, cat, today=TODAY)
    tiger = {"kind": "tiger"}
    assert exit_step(spec, tiger, today=TODAY).key == "no-tigers"
    assert visible_steps(spec, tiger, today=TODAY)[-1].key == "no-tigers"
    dog = {
        "kind": "dog",
        "family": [
            {"member_name": "A", "member_adult": True, "member_birth": "2000"},
            {"member_name": "B", "member_adult": False, "member_birth": "2020"},
        ],
    }
    assert visible_answers(spec, dog, today=TODAY)["family"] == [
        {"member_name": "A", "member_adult": True},
        {"member_name": "B", "member_adult": False, "member_birth": "2020"},
    ]


def test_answers_by_step():
    spec = definition_check(small_content())
    answers = {
        "family_name": "Müller",
        "birth": "1985-03",
        "address": {
            "street": "Kirchenallee",
            "house_number": "1",
            "postcode": "20099",
            "city": "Hamburg",
        },
        "kind": "dog",
        "insured": True,
        "family": [{"member_name": "Ben", "member_adult": True}],
        "photo": ["ab" * 16],
    }
    steps = answers_by_step(spec, answers, "en", today=TODAY)
    rows = {r.key: r for s in steps for r in s.rows}
    assert rows["birth"].text == "03.1985"
    assert rows["kind"].text == "Dog"
    assert rows["insured"].text == "Yes"
    assert rows["address"].text == "Kirchenallee 1, 20099 Hamburg"
    assert rows["family.0.member_name"].label == "Person 1: Name"
    assert rows["photo"].files == ["ab" * 16]


def test_forms_load_makes_versions(db, tmp_path):
    (tmp_path / "test-pets.json").write_text(json.dumps(small_content()), encoding="utf-8")
    call_command("forms_load", directory=tmp_path)
    call_command("forms_load", directory=tmp_path)  # unchanged: nothing new
    assert FormDefinition.objects.count() == 1
    changed = small_content()
    changed["resume_days"] = 3
    (tmp_path / "test-pets.json").write_text(json.dumps(changed), encoding="utf-8")
    call_command("forms_load", directory=tmp_path)
    states = dict(FormDefinition.objects.values_list("version", "state"))
    assert states == {1: DefinitionState.RETIRED, 2: DefinitionState.PUBLISHED}
