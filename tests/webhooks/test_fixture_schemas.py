"""The deliveries these tests build are ones GitHub could send: each validates against GitHub's JSON Schemas.

The examples are GitHub's own; what the tests change (an added `installation`, a comment moved onto a pull
request, a base-branch edit, a push to an existing default branch, our app's check run) must stay valid too.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from tests.webhooks.deliveries import (
    WEBHOOKS,
    base_changed,
    check_pull_request,
    default_branch_push,
    example,
    example_names,
    our_check_run,
    pr_comment,
)


@cache
def registry() -> Registry[Any]:
    resources = []
    for path in sorted((WEBHOOKS / "_schemas").rglob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema, default_specification=DRAFT7)))
    return Registry().with_resources(resources)


def problems(event: str, payload: dict[str, Any]) -> list[str]:
    schema_id = f"{event}${payload.get('action', 'event')}"
    validator = Draft7Validator(registry().contents(schema_id), registry=registry())
    return [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(payload)]


@pytest.mark.parametrize("name", example_names())
def test_every_example_as_posted_is_valid(name: str) -> None:
    delivery = example(name)

    assert problems(delivery.event, json.loads(delivery.body)) == []


HEAD = "d6fde92930d4715a2b49857d24b940956b26d2d3"
BUILT = {
    "comment on a pull request": ("issue_comment", pr_comment("/debtbot review")),
    "bot comment": ("issue_comment", pr_comment("/debtbot review", user_type="Bot")),
    "base branch changed": ("pull_request", base_changed()),
    "push to the default branch": ("push", default_branch_push()),
    "our check run": ("check_run", our_check_run()),
    "our check run with pull requests": (
        "check_run",
        our_check_run(
            [check_pull_request(7, repo_id=526, head_sha=HEAD), check_pull_request(9, repo_id=999, head_sha=HEAD)]
        ),
    ),
}


@pytest.mark.parametrize("case", list(BUILT))
def test_every_built_delivery_is_valid(case: str) -> None:
    event, payload = BUILT[case]

    assert problems(event, payload) == []


def test_the_validator_does_reject_a_broken_delivery() -> None:
    payload = base_changed()
    del payload["pull_request"]["head"]

    assert problems("pull_request", payload) != []
