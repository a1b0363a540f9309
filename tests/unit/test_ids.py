"""Project id suggestions: what the refusal of an id that is not a slug proposes."""

from __future__ import annotations

import pytest

from devussy_git.ids import PROJECT_ID_RE, suggest_project_id, validate_new_project_id
from devussy_git.plan.interview import slugify


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Shop API", "shop-api"),
        ("Ünïcode Café!!", "unicode-cafe"),
        ("crème brûlée v2", "creme-brulee-v2"),
        ("a--b", "a-b"),
        ("!!!", None),
        ("日本語", None),
    ],
)
def test_a_suggestion_keeps_the_base_letters_of_accented_ones(text: str, expected: str | None) -> None:
    assert suggest_project_id(text) == expected


@pytest.mark.parametrize("name", ["Ünïcode Café!!", "Shop API", "crème brûlée v2", "x" * 80 + " y"])
def test_a_suggestion_is_a_valid_id_and_agrees_with_the_slug_of_a_project_name(name: str) -> None:
    suggestion = suggest_project_id(name)
    assert suggestion is not None and PROJECT_ID_RE.match(suggestion)
    assert validate_new_project_id(suggestion) == suggestion
    assert suggestion == slugify(name)
