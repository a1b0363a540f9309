"""Fixtures for the plan domain tests."""

from __future__ import annotations

import pytest

from devussy_git.plan import ComplexityProfile, Interview, score_complexity
from tests.unit.plan.helpers import load_interview


@pytest.fixture
def shop_api() -> Interview:
    return load_interview("shop-api")


@pytest.fixture
def shop_profile(shop_api: Interview) -> ComplexityProfile:
    return score_complexity(shop_api)
