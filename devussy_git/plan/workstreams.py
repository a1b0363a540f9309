"""The offline provider's plan skeleton: workstreams derived from the interview.

A workstream is one area of work (setup, data model, authentication, the core
features, integrations, frontend, testing, CI/CD, deployment, documentation)
with its tasks, each task with details. :func:`plan_layout` groups the
workstreams into exactly the phase count the complexity rubric chose: merging
neighbours when there are too many, splitting the core features and adding
hardening phases when there are too few.

Deterministic and pure: the same answers always give the same layout.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from devussy_git.plan.complexity import ComplexityProfile, match_keywords
from devussy_git.plan.interview import Interview

__all__ = [
    "LayoutPhase",
    "Workstream",
    "decapitalise",
    "extract_features",
    "plan_layout",
    "test_tool",
]

_MAX_FEATURES = 8
_VERBS = frozenset(
    "add allow build calculate compute convert create display download export fetch generate "
    "handle import let load manage monitor notify parse process provide read render schedule "
    "search send show store support sync track upload validate write".split()
)
_TASKS_PER_DEPTH = {"minimal": 2, "standard": 3, "detailed": 4}
_DETAILS_PER_DEPTH = {"minimal": 1, "standard": 2, "detailed": 3}
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


@dataclass(frozen=True)
class LayoutPhase:
    number: int
    title: str
    summary: str
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


def _join(labels: list[str]) -> str:
    if len(labels) == 1:
        return labels[0]
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def _core_label(project_type: str) -> str:
    return {
        "REST API": "API Endpoints",
        "CLI Tool": "Commands",
        "Data Pipeline": "Pipeline Stages",
        "Library/Package": "Public API",
        "Mobile App": "Core Screens",
        "Desktop App": "Core Screens",
    }.get(project_type, "Core Features")


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


def _workstreams(i: Interview) -> tuple[list[Workstream], list[Workstream]]:
    """The base workstreams in plan order, and the extras used to fill phases."""
    lang = i.primary_language
    stack = _join([lang, *i.frameworks]) if i.frameworks else lang
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
    core_label = _core_label(i.project_type)
    core_tasks = tuple(_feature_task(i, f) for f in features)
    core = [Workstream(core_label, f"{core_label}: " + "; ".join(features) + ".", core_tasks)]
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
                (f"Build screens for {_join(features[:3])}", (
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
            f"Script {_join(features[:2])} end to end",
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
        (f"Write the reference documentation of the {core_label}", (
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
    extras = [
        Workstream("Security Hardening", "Threat review and fixes before launch.", (
            ("Review the threat model", ("List assets and entry points", "Rank the risks", "Plan fixes")),
            ("Fix the findings", ("Validate every input", "Update vulnerable dependencies", "Add security tests")),
            ("Add audit logging", ("Log sensitive actions", "Protect the logs", "Review them regularly")),
        )),
        Workstream("Observability", "Knowing what the system does in production.", (
            ("Add tracing to the main flows", ("Propagate request ids", "Trace external calls", "Sample sensibly")),
            ("Define service level objectives", ("Pick latency and error targets", "Alert on burn rate", "Review monthly")),
            ("Write runbooks for alerts", ("One runbook per alert", "Link them from alerts", "Practise them")),
        )),
        Workstream("Performance", "Measuring and improving speed and capacity.", (
            ("Write a load test of the main flows", ("Script realistic traffic", "Run it in staging", "Record the baseline")),
            ("Remove the top bottlenecks", ("Profile the slowest paths", "Add caching or indexes", "Measure again")),
            ("Plan capacity", ("Estimate growth", "Set scaling rules", "Document the limits")),
        )),
        Workstream("Beta Release", "A limited release to real users and their feedback.", (
            ("Release to a small group of users", ("Invite beta users", "Enable feature flags", "Watch the error rate")),
            ("Collect and triage feedback", ("Add a feedback channel", "Triage weekly", "Fix the top issues")),
            ("Decide on launch readiness", ("Review open bugs", "Check the metrics", "Agree the launch date")),
        )),
        Workstream("Launch and Handover", "General availability and hand-over to maintenance.", (
            ("Launch to all users", ("Announce the launch", "Watch dashboards closely", "Keep a rollback ready")),
            ("Hand over to maintenance", ("Assign owners", "Schedule dependency updates", "Archive project notes")),
            ("Run a retrospective", ("Collect what went well and badly", "Record decisions", "Plan the next iteration")),
        )),
    ]
    return streams, extras


def _split_core(streams: list[Workstream], label: str) -> list[Workstream]:
    index = next((n for n, s in enumerate(streams) if s.label == label), None)
    if index is None or len(streams[index].tasks) < 2:
        return streams
    core = streams[index]
    half = (len(core.tasks) + 1) // 2
    first, second = core.tasks[:half], core.tasks[half:]
    parts = [
        Workstream(f"{label} I", core.summary, first),
        Workstream(f"{label} II", core.summary, second),
    ]
    return streams[:index] + parts + streams[index + 1:]


def plan_layout(interview: Interview, complexity: ComplexityProfile) -> tuple[LayoutPhase, ...]:
    """Exactly ``complexity.phase_count`` phases of tasks for ``interview``."""
    count = complexity.phase_count
    streams, extras = _workstreams(interview)
    if len(streams) < count:
        streams = _split_core(streams, _core_label(interview.project_type))
    extra_iter = iter(extras)
    while len(streams) < count:
        extra = next(extra_iter, None)
        if extra is None:
            break
        streams.insert(len(streams) - 1, extra)  # documentation stays last
    while len(streams) < count:
        # More phases than areas of work: split the largest remaining workstream.
        largest = max(range(len(streams)), key=lambda n: len(streams[n].tasks))
        before = len(streams)
        streams = _split_core(streams, streams[largest].label)
        if len(streams) == before:
            break
    per_task = _TASKS_PER_DEPTH.get(complexity.depth, 3)
    per_detail = _DETAILS_PER_DEPTH.get(complexity.depth, 2)
    # Larger groups go last: early phases stay focused, wrap-up work is merged.
    extra = len(streams) % count
    sizes = [len(streams) // count + (1 if n >= count - extra else 0) for n in range(count)]
    phases: list[LayoutPhase] = []
    start = 0
    for number, size in enumerate(sizes, 1):
        group = streams[start:start + size]
        start += size
        tasks: list[tuple[str, tuple[str, ...]]] = []
        for stream in group:
            limit = len(stream.tasks) if stream.label.startswith(_core_prefixes()) else per_task
            tasks.extend((t, d[:per_detail]) for t, d in stream.tasks[:limit])
        phases.append(LayoutPhase(
            number,
            _join([s.label for s in group]),
            " ".join(s.summary for s in group),
            tuple(tasks),
        ))
    return tuple(phases)


def _core_prefixes() -> tuple[str, ...]:
    return ("API Endpoints", "Commands", "Pipeline Stages", "Public API", "Core Screens",
            "Core Features")
