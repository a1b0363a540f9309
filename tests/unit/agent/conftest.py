"""A small rendered plan (3 phases), raw and as the formatter writes it."""

from __future__ import annotations

import pytest

from devussy_git.markdown import normalize_content
from devussy_git.plan.complexity import ComplexityProfile
from devussy_git.plan.compose import render_handoff, render_plan_files
from devussy_git.plan.model import Phase, Plan, Task

DESIGN = """# Project Design: Shop API

## Tech Stack

- FastAPI for the HTTP layer
- PostgreSQL with SQLAlchemy for orders and the product catalog
- Stripe for checkout payments

## Architecture

Requests go through JWT middleware before reaching the order service.
"""


def sample_plan() -> Plan:
    return Plan(
        "shop-api",
        "Shop API",
        "An online shop backend.",
        (
            Phase(
                1,
                "Project Setup",
                "Repository and tooling.",
                (
                    Task("1.1", "Create the repository layout", ("src layout", "README")),
                    Task("1.2", "Add CI with tests"),
                ),
            ),
            Phase(
                2,
                "Data Model",
                "Orders and products.",
                (
                    Task("2.1", "Design the PostgreSQL schema for orders", ("orders, order_items",)),
                    Task("2.2", "Add migrations"),
                    Task("2.3", "Seed the product catalog"),
                ),
            ),
            Phase(3, "Payments", "", (Task("3.1", "Integrate Stripe checkout"),)),
        ),
        ComplexityProfile(score=5.0, phase_count=3, depth="standard"),
    )


def plan_files(plan: Plan, *, formatted: bool) -> dict[str, str]:
    files = {**render_plan_files(plan), "handoff.md": render_handoff(plan), "project_design.md": DESIGN}
    if formatted:
        files = {k: normalize_content(v) for k, v in files.items()}
    return files


@pytest.fixture(params=[False, True], ids=["rendered", "formatted"])
def files(request: pytest.FixtureRequest) -> dict[str, str]:
    return plan_files(sample_plan(), formatted=request.param)
