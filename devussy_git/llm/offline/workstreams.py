"""The offline provider's areas of work, derived from the interview.

A workstream is one area of work (setup, data model, authentication, the core
features, integrations, frontend, testing, CI/CD, deployment, documentation)
with its tasks, each task with details taken from the answers. ``layout.py``
groups them into phases.

Deterministic and pure: the same answers always give the same workstreams.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from devussy_git.plan.complexity import match_keywords
from devussy_git.plan.interview import Interview

__all__ = [
    "CORE_LABELS",
    "Workstream",
    "build_workstreams",
    "core_label",
    "decapitalise",
    "extract_features",
    "join_labels",
    "test_tool",
]

_MAX_FEATURES = 8
_VERBS = frozenset(
    "add allow build calculate compute convert create display download export fetch generate "
    "handle import let load manage monitor notify parse process provide read render schedule "
    "search send show store support sync track upload validate write".split()
)
_TEST_TOOLS = {
    "python": "pytest",
    "javascript": "Vitest",
    "typescript": "Vitest",
    "go": "go test",
    "rust": "cargo test",
    "java": "JUnit",
    "c#": "xUnit",
    "ruby": "RSpec",
    "php": "PHPUnit",
}


@dataclass(frozen=True)
class Workstream:
    label: str
    summary: str
    #: (title, details) pairs, most important first.
    tasks: tuple[tuple[str, tuple[str, ...]], ...]


def test_tool(language: str) -> str:
    """The usual test runner for a language."""
    return _TEST_TOOLS.get(language.casefold(), "the standard test runner")


def extract_features(requirements: str) -> list[str]:
    """Feature phrases from the requirements text, in order, deduplicated."""
    text = " ".join(requirements.split())
    if ":" in text.split(".")[0]:
        text = text.split(":", 1)[1]
    parts = re.split(r"[;,:\n]|\.\s+|\.$|\s+-\s+", text)
    features: list[str] = []
    for part in parts:
        phrase = re.sub(r"^(?:and|with|also|plus|including|it|should|must)\s+", "", part.strip())
        phrase = phrase.strip(" .")
        if len(phrase) < 3 or phrase.casefold() in (f.casefold() for f in features):
            continue
        features.append(phrase[:80].rstrip())
    return features[:_MAX_FEATURES]


def decapitalise(text: str) -> str:
    """Lower-case the first letter unless the first word is an acronym (JWT, API)."""
    first = text.split()[0] if text.split() else ""
    if len(first) > 1 and first[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def _feature_title(feature: str) -> str:
    first = feature.split()[0].casefold()
    if first in _VERBS:
        return feature[0].upper() + feature[1:]
    return f"Implement {decapitalise(feature)}"


def join_labels(labels: list[str]) -> str:
    if len(labels) == 1:
        return labels[0]
    return ", ".join(labels[:-1]) + " and " + labels[-1]


#: The label of the core-features workstream, by project type.
CORE_LABELS: dict[str, str] = {
    "REST API": "API Endpoints",
    "CLI Tool": "Commands",
    "Data Pipeline": "Pipeline Stages",
    "Library/Package": "Public API",
    "Mobile App": "Core Screens",
    "Desktop App": "Core Screens",
}


def core_label(project_type: str) -> str:
    return CORE_LABELS.get(project_type, "Core Features")


def _feature_task(i: Interview, feature: str) -> tuple[str, tuple[str, ...]]:
    layer = {
        "REST API": f"Add the endpoints and request/response schemas for {feature}",
        "CLI Tool": f"Add the command and its options for {feature}",
        "Data Pipeline": f"Add the stage that handles {feature}, with idempotent reruns",
        "Library/Package": f"Expose a typed public function or class for {feature}",
    }.get(i.project_type, f"Build the service logic and UI flow for {feature}")
    return (
        _feature_title(feature),
        (
            layer,
            "Validate input and report errors with clear messages",
            f"Cover {feature} with {test_tool(i.primary_language)} tests",
        ),
    )


def build_workstreams(i: Interview) -> list[Workstream]:
    """The workstreams of a project, in plan order."""
    lang = i.primary_language
    stack = join_labels([lang, *i.frameworks]) if i.frameworks else lang
    db = i.database
    features = extract_features(i.requirements) or [i.project_name]
    streams = [
        Workstream(
            "Project Setup",
            f"Repository, {stack} toolchain and the project skeleton.",
            (
                (f"Initialise the repository and the {lang} project layout", (
                    "Create README, licence and .gitignore",
                    f"Pin the {lang} version and create the source package",
                    "Agree on the branch and review workflow",
                )),
                ("Configure dependencies and code quality tooling", (
                    f"Declare dependencies ({stack})",
                    "Add a formatter and a linter with a single command to run them",
                    f"Add {test_tool(lang)} with a first smoke test",
                )),
                ("Add configuration and secrets handling", (
                    "Read settings from environment variables with defaults",
                    "Document every variable in .env.example",
                    "Never commit secrets; load them from the environment",
                )),
                ("Set up the local development environment", (
                    f"Run {db} locally in a container" if db else "Script the common dev tasks",
                    "Write the getting-started steps in the README",
                    "Check a clean checkout builds and tests pass",
                )),
            ),
        )
    ]
    if db:
        streams.append(Workstream(
            "Data Model",
            f"Entities, schema and persistence on {db}.",
            (
                (f"Design the data model for {features[0]}", (
                    "List entities and relations from the requirements",
                    "Choose identifiers, constraints and indexes",
                    "Review the model against every feature",
                )),
                (f"Set up the {db} access layer", (
                    "Create connection handling with pooling and timeouts",
                    "Add repository functions per entity",
                    "Translate database errors into domain errors",
                )),
                ("Add schema migrations", (
                    "Create the initial migration",
                    "Run migrations in development and CI",
                    "Document how to roll a migration back",
                )),
                ("Add seed data and test fixtures", (
                    "Seed a development database with sample data",
                    "Provide fixtures for tests",
                    "Reset the database between tests",
                )),
            ),
        ))
    if i.authentication:
        jwt = bool(match_keywords(i.requirements, ("jwt",)))
        token = "JWT access tokens" if jwt else "session tokens"
        streams.append(Workstream(
            "Authentication",
            f"User accounts, sign-in with {token} and access control.",
            (
                ("Implement user registration and sign-in", (
                    "Hash passwords with a slow, salted algorithm",
                    "Validate e-mail addresses and password strength",
                    "Rate-limit sign-in attempts",
                )),
                (f"Issue and verify {token}", (
                    "Set a short expiry and support refresh",
                    "Reject expired or tampered tokens with a clear error",
                    "Keep signing keys out of the repository",
                )),
                ("Enforce authorization on protected operations", (
                    "Define roles and what each may do",
                    "Check permissions in one place",
                    "Test that every protected operation refuses anonymous callers",
                )),
                ("Add password reset and account security", (
                    "Send single-use, expiring reset links",
                    "Log security events without secrets",
                    "Let users sign out everywhere",
                )),
            ),
        ))
    core_name = core_label(i.project_type)
    core_tasks = tuple(_feature_task(i, f) for f in features)
    core = [Workstream(core_name, f"{core_name}: " + "; ".join(features) + ".", core_tasks)]
    streams.extend(core)
    if i.external_apis:
        apis = list(i.external_apis)
        tasks = [
            (f"Integrate {api}", (
                f"Wrap the {api} client behind an adapter interface",
                f"Handle {api} errors, timeouts, retries and rate limits",
                f"Test against a fake {api} in CI",
            ))
            for api in apis
        ]
        tasks.append(("Manage integration credentials and webhooks", (
            "Load API keys from the environment only",
            "Verify webhook signatures",
            "Alert on repeated integration failures",
        )))
        streams.append(Workstream(
            "Integrations", f"External services: {', '.join(apis)}.", tuple(tasks)
        ))
    ui = i.frontend_framework if i.project_type == "Web Application" else None
    if ui or i.project_type in {"Mobile App", "Desktop App"}:
        toolkit = ui or f"the {lang} UI toolkit"
        streams.append(Workstream(
            "Frontend" if ui else "User Interface",
            f"The user interface with {toolkit}.",
            (
                (f"Scaffold the {toolkit} application", (
                    "Set up routing and layout",
                    "Add a design system or component library",
                    "Configure the API base URL per environment",
                )),
                (f"Build screens for {join_labels(features[:3])}", (
                    "Follow the flows in the requirements",
                    "Show loading and empty states",
                    "Keep components small and tested",
                )),
                ("Connect the interface to the backend", (
                    "Add a typed API client",
                    "Handle errors and retries visibly",
                    "Cache what can be cached",
                )),
                ("Check accessibility and responsiveness", (
                    "Keyboard navigation and labels",
                    "Layouts for small and large screens",
                    "Contrast and font sizes",
                )),
            ),
        ))
    level = i.testing_requirements or "Standard (unit + integration)"
    tool = test_tool(lang)
    test_tasks = [
        (f"Write unit tests with {tool}", (
            "Cover the domain logic and error paths",
            "Keep tests fast and independent",
            "Run them with one command",
        )),
    ]
    if not level.startswith(("Basic", "Minimal")):
        target = db or "the real dependencies"
        test_tasks.append((f"Add integration tests against {target}", (
            "Start dependencies in containers or fakes",
            "Test each feature through its public interface",
            "Fail on warnings",
        )))
    if level.startswith("Comprehensive"):
        test_tasks.append(("Add end-to-end tests of the main user journeys", (
            f"Script {join_labels(features[:2])} end to end",
            "Run them against a deployed test environment",
            "Keep them few and stable",
        )))
    test_tasks.append(("Measure coverage and close the gaps", (
        "Report coverage in CI",
        "Add tests for uncovered error paths",
        "Agree on a minimum threshold",
    )))
    streams.append(Workstream("Testing", f"Testing level: {level}.", tuple(test_tasks)))
    platform = i.deployment_platform
    if i.ci_cd:
        streams.append(Workstream(
            "CI/CD",
            "Automated checks and delivery on every change.",
            (
                ("Run lint and tests on every push", (
                    "Cache dependencies between runs",
                    "Block merges when checks fail",
                    "Report test results on pull requests",
                )),
                ("Build versioned release artifacts", (
                    "Build once and promote the same artifact",
                    "Tag releases from the main branch",
                    "Scan dependencies for vulnerabilities",
                )),
                (f"Automate deployment{' to ' + platform if platform else ''}", (
                    "Deploy to staging on merge",
                    "Require approval for production",
                    "Roll back automatically when health checks fail",
                )),
            ),
        ))
    if i.project_type in {"CLI Tool", "Library/Package"} and not platform:
        streams.append(Workstream(
            "Packaging",
            "Packaging, versioning and release.",
            (
                ("Package for distribution", (
                    f"Build the {lang} package or binaries",
                    "Install it in a clean environment as a check",
                    "Include licence and metadata",
                )),
                ("Version the project and keep a changelog", (
                    "Use semantic versioning",
                    "Write release notes for each version",
                    "Automate the version bump",
                )),
                ("Publish the first release", (
                    "Publish to the package registry",
                    "Verify installation instructions",
                    "Announce it",
                )),
            ),
        ))
    else:
        where = platform or "the chosen hosting"
        streams.append(Workstream(
            "Deployment",
            f"Production deployment on {where}.",
            (
                (f"Provision {where} resources", (
                    "Describe infrastructure as code",
                    f"Create a managed {db} instance with backups" if db else "Size the runtime",
                    "Separate staging and production",
                )),
                ("Configure production settings and secrets", (
                    "Use the platform's secret store",
                    "Enable HTTPS and secure headers",
                    "Set resource limits",
                )),
                ("Add logging, metrics and alerts", (
                    "Structured logs with request ids",
                    "Health check endpoint and uptime alert",
                    "Dashboards for errors and latency",
                )),
                ("Deploy and smoke-test production", (
                    "Run the smoke tests after each deployment",
                    "Document the rollback procedure",
                    "Record the release in the changelog",
                )),
            ),
        ))
    docs = i.documentation_level or "Standard"
    doc_tasks = [
        ("Write the README with setup and usage", (
            "Installation and configuration",
            "A quick example of the main feature",
            "How to run the tests",
        )),
        (f"Write the reference documentation of the {core_name}", (
            "Every option, input and error",
            "Examples that are tested",
            "Generated reference where the tooling allows",
        )),
    ]
    if docs != "Minimal":
        doc_tasks.append(("Write architecture and decision notes", (
            "The main components and how they talk",
            "Why the key technologies were chosen",
            "Known limits and next steps",
        )))
    if docs == "Comprehensive":
        doc_tasks.append(("Write a contributor and operations guide", (
            "Development workflow and conventions",
            "Runbook for incidents",
            "How to release",
        )))
    streams.append(Workstream("Documentation", f"Documentation level: {docs}.", tuple(doc_tasks)))
    return streams
