"""Tolerant parsing of what an LLM returns at each pipeline stage.

Models wrap replies in code fences, add a friendly preamble, and pick their own
header and list styles; these parsers accept the common variants. What cannot
be used raises :class:`InvalidLLMOutputError` whose ``model_message`` says what
was wrong and which format is expected, so the pipeline can re-ask. Nothing
here ever fills a gap with a placeholder.

Pure: text in, values out; no I/O and no LLM calls.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from devussy_git.errors import InvalidLLMOutputError
from devussy_git.plan.model import PhaseOutline, Task, ValidationResult
from devussy_git.plan.textutil import extract_json_object, strip_bold, unwrap_fences

__all__ = [
    "DESIGN_SECTIONS",
    "parse_design",
    "parse_devplan_outline",
    "parse_phase_tasks",
    "parse_validation",
]

MAX_PHASES = 20
MAX_TASKS = 50
_MIN_DESIGN_CHARS = 200

#: Sections a design must have: name -> heading words that count as it.
DESIGN_SECTIONS: tuple[tuple[str, str], ...] = (
    ("Objectives", r"objectives?|goals?|purpose"),
    ("Tech Stack", r"tech(?:nology|nical)?\s*stack|technolog(?:y|ies)|stack"),
    ("Architecture", r"architecture|system\s+design|components"),
)
_CHATTER = re.compile(
    r"^(?:let me know|would you like|i hope|hope this|feel free|shall i|do you want|"
    r"if you(?:'d| would) like|happy to)\b",
    re.IGNORECASE,
)
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BOLD_LINE = re.compile(r"^\s{0,3}(?:\*\*|__)(.+?)(?:\*\*|__)\s*:?\s*$")
_BULLET = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+(.*)$")


def _refuse(what: str, problem: str, expected: str) -> InvalidLLMOutputError:
    return InvalidLLMOutputError(
        f"The model's {what} could not be used: {problem}",
        model_message=f"Your {what} could not be used: {problem}\n\nExpected format: {expected}",
    )


def _drop_chatter(lines: list[str]) -> list[str]:
    while lines and (not lines[-1].strip() or _CHATTER.match(lines[-1].strip())):
        lines.pop()
    while lines and not lines[0].strip():
        lines.pop(0)
    return lines


# -- design -----------------------------------------------------------------

_DESIGN_FORMAT = (
    "markdown with a heading per section: '## Objectives', '## Tech Stack', "
    "'## Architecture', '## Dependencies', '## Challenges' and '## Mitigations', "
    "each followed by its content. No preamble and no code fence around the document."
)


def parse_design(text: str) -> str:
    """The design markdown, without fences, preamble or closing chatter.

    Requires headings (or bold section lines) for objectives, tech stack and
    architecture.
    """
    body = unwrap_fences(text)
    lines = body.split("\n")
    first_heading = next((i for i, line in enumerate(lines) if _HEADING.match(line)), None)
    if first_heading is not None:
        lines = lines[first_heading:]
    lines = _drop_chatter(lines)
    result = "\n".join(line.rstrip() for line in lines).strip()
    if not result:
        raise _refuse("design", "the reply is empty.", _DESIGN_FORMAT)
    titles = [m.group(2) for m in map(_HEADING.match, lines) if m]
    titles += [m.group(1) for m in map(_BOLD_LINE.match, lines) if m]
    missing = [
        name
        for name, words in DESIGN_SECTIONS
        if not any(re.search(rf"\b(?:{words})\b", strip_bold(t), re.IGNORECASE) for t in titles)
    ]
    if missing:
        raise _refuse(
            "design",
            f"missing section{'s' if len(missing) > 1 else ''}: {', '.join(missing)}.",
            _DESIGN_FORMAT,
        )
    if len(result) < _MIN_DESIGN_CHARS:
        raise _refuse(
            "design",
            f"it is only {len(result)} characters; describe each section in a few sentences.",
            _DESIGN_FORMAT,
        )
    return result + "\n"


# -- validation -------------------------------------------------------------

_VALIDATION_FORMAT = (
    "a line 'Verdict: APPROVED' or 'Verdict: NEEDS REVISION', then '## Review' with "
    "your assessment, then '## Issues' with one '- ' bullet per required change "
    "(empty when approved). A JSON object "
    '{"approved": true|false, "review": "...", "issues": ["..."]} is accepted too.'
)
_NEGATIVE = (
    r"not\s+approved|needs?[\s_-]+(?:revision|revisions|changes|work)|revise|rejected?|"
    r"changes\s+requested|request\s+changes|fail(?:ed)?"
)
_POSITIVE = r"approved?|accepted|pass(?:ed)?|lgtm"
_VERDICT_LINE = re.compile(
    rf"^[\s>#*_-]*(?:(?:final\s+)?verdict|status|decision|result|outcome)[\s*_]*[:\-–—]?"
    rf"[\s*_`]*(?P<word>{_NEGATIVE}|{_POSITIVE})\b",
    re.IGNORECASE,
)
_BARE_VERDICT = re.compile(
    rf"^[\s>#*_`]*(?P<word>{_NEGATIVE}|approved)[\s*_`.!]*$", re.IGNORECASE
)
_ISSUE_HEADING = re.compile(
    r"issues?|problems?|required\s+changes|changes\s+required|corrections?|concerns?|"
    r"blocking|revisions?",
    re.IGNORECASE,
)
_NO_ISSUES = re.compile(r"^(?:none|no\s+issues?.*|n/?a|nothing.*|-)\.?$", re.IGNORECASE)


def _is_negative(word: str) -> bool:
    return re.fullmatch(_NEGATIVE, word.strip(), re.IGNORECASE) is not None


def _clean_issue(value: object) -> str | None:
    if isinstance(value, dict):
        parts = [value.get(k) for k in ("issue", "description", "title", "problem", "text")]
        value = next((p for p in parts if isinstance(p, str) and p.strip()), None)
    if not isinstance(value, str):
        return None
    text = " ".join(strip_bold(value).split())
    return None if not text or _NO_ISSUES.match(text) else text


def _validation_from_json(data: dict[str, object]) -> ValidationResult | None:
    verdict = data.get("approved", data.get("verdict", data.get("status")))
    if isinstance(verdict, bool):
        approved = verdict
    elif isinstance(verdict, str) and verdict.strip():
        approved = not _is_negative(verdict) and re.match(_POSITIVE, verdict.strip(), re.I) is not None
        if not approved and not _is_negative(verdict):
            return None
    else:
        return None
    raw_issues = data.get("issues", data.get("problems", []))
    if isinstance(raw_issues, str):
        raw_issues = [raw_issues]
    if not isinstance(raw_issues, list):
        raw_issues = []
    issues = tuple(i for i in map(_clean_issue, raw_issues) if i)
    review = next(
        (v for k in ("review", "summary", "feedback", "comments")
         if isinstance(v := data.get(k), str) and v.strip()),
        "",
    )
    return ValidationResult(approved=approved, review=review.strip(), issues=issues)


def _issue_bullets(lines: Iterable[str]) -> list[str]:
    issues: list[str] = []
    in_issues = False
    for line in lines:
        heading = _HEADING.match(line) or _BOLD_LINE.match(line)
        if heading:
            title = heading.group(heading.lastindex or 1)
            in_issues = _ISSUE_HEADING.search(strip_bold(title)) is not None
            continue
        if in_issues:
            bullet = _BULLET.match(line)
            if bullet and not bullet.group(1):
                issue = _clean_issue(bullet.group(2))
                if issue:
                    issues.append(issue)
            elif issues and line.startswith((" ", "\t")) and line.strip():
                content = bullet.group(2) if bullet else line
                issues[-1] += " " + " ".join(strip_bold(content).split())
    return issues


_REVIEW_HEADING = re.compile(r"review|assessment|summary|feedback|analysis", re.IGNORECASE)


def _review_text(lines: list[str]) -> str:
    """The review section's body when there is one, else the text minus issue lists."""
    kept: list[str] = []
    mode = "keep"
    has_review = any(
        (m := _HEADING.match(line)) and _REVIEW_HEADING.search(m.group(2)) for line in lines
    )
    for line in lines:
        heading = _HEADING.match(line)
        if heading:
            title = strip_bold(heading.group(2))
            if _REVIEW_HEADING.search(title):
                mode = "keep"
                continue
            if has_review or _ISSUE_HEADING.search(title):
                mode = "skip"
                continue
        if mode == "keep":
            kept.append(line)
    return "\n".join(kept).strip()


def parse_validation(text: str) -> ValidationResult:
    """The design review: approved or not, the review text, and the issues.

    Accepts a JSON object or markdown with a verdict line. A rejection must
    list at least one issue (the correction loop needs them).
    """
    data = extract_json_object(text)
    result = _validation_from_json(data) if data is not None else None
    if result is None:
        body = unwrap_fences(text)
        lines = _drop_chatter(body.split("\n"))
        verdict: str | None = None
        for index, line in enumerate(lines):
            match = _VERDICT_LINE.match(line) or _BARE_VERDICT.match(line)
            if match is None and _HEADING.match(line) and re.search(
                r"verdict|decision", line, re.IGNORECASE
            ):
                following = next((l for l in lines[index + 1:] if l.strip()), "")
                match = _BARE_VERDICT.match(following) or re.match(
                    rf"[\s*_`]*(?P<word>{_NEGATIVE}|{_POSITIVE})\b", following, re.IGNORECASE
                )
            if match:
                verdict = match.group("word")
                if not _HEADING.match(line):
                    lines = lines[:index] + lines[index + 1:]
                break
        if verdict is None:
            raise _refuse(
                "design review", "no verdict (approved or needs revision) was found.",
                _VALIDATION_FORMAT,
            )
        result = ValidationResult(
            approved=not _is_negative(verdict),
            review=_review_text(lines),
            issues=tuple(_issue_bullets(lines)),
        )
    if result.approved:
        return ValidationResult(approved=True, review=result.review, issues=())
    if not result.issues:
        raise _refuse(
            "design review",
            "the design was not approved but no issues were listed.",
            _VALIDATION_FORMAT,
        )
    return result


# -- devplan outline --------------------------------------------------------

_OUTLINE_FORMAT = (
    "one block per phase, numbered from 1 without gaps:\n"
    "**Phase 1: Title**\nOne or two sentences on what the phase delivers.\n"
    "- major component\n\n**Phase 2: Title**\n..."
)
_PHASE_HEADER = re.compile(
    r"^\s{0,3}(?:#{1,6}\s*)?(?:[-*+]\s+)?(?:\d+[.)]\s+)?(?:\*\*|__)?\s*Phase\s+(\d+)\b"
    r"\s*(?:\*\*|__)?\s*[:.)\-–—]?\s*(.*)$",
    re.IGNORECASE,
)
_NUMBERED = re.compile(r"^(?:#{1,6}\s*)?(\d+)[.)]\s+(.+)$")
_SUMMARY_LABEL = re.compile(
    r"^(?:\*\*|__)?(?:summary|description|overview|objective|goal)s?(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*",
    re.IGNORECASE,
)


@dataclass
class _Block:
    number: int
    title: str
    lines: list[str]


def _split_title(rest: str) -> tuple[str, str]:
    """Title and any trailing description from a header remainder."""
    rest = rest.strip()
    if "**" in rest or "__" in rest:
        head, _, tail = re.sub(r"^(?:\*\*|__)", "", rest).partition("**")
        if not tail and "__" in head:
            head, _, tail = head.partition("__")
        title, extra = head, tail
    else:
        title, extra = rest, ""
    title = strip_bold(title).strip().rstrip(":").strip()
    title = re.sub(r"^Phase\s+\d+\s*[:.)\-–—]\s*", "", title, flags=re.IGNORECASE)
    extra = re.sub(r"^[\s:.\-–—]+", "", extra).strip()
    return title, extra


def _summary(lines: list[str]) -> str:
    out: list[str] = []
    for raw in lines:
        line = raw.rstrip()
        if not line.strip():
            if out and out[-1]:
                out.append("")
            continue
        bullet = _BULLET.match(line)
        if bullet:
            out.append(f"- {bullet.group(2).strip()}")
        else:
            out.append(_SUMMARY_LABEL.sub("", line.strip()))
    while out and not out[-1]:
        out.pop()
    return "\n".join(out).strip()


def parse_devplan_outline(
    text: str, expected_phases: int | None = None
) -> tuple[PhaseOutline, ...]:
    """The phases of a devplan outline, numbered 1..N.

    Headers may be ``**Phase N: Title**``, ``## Phase N: Title``,
    ``### Phase N - Title`` or, when no line says "Phase", a top-level
    ``N. Title`` list. The lines under a header become its summary.
    """
    lines = _drop_chatter(unwrap_fences(text).split("\n"))
    use_phase_word = any(_PHASE_HEADER.match(line) for line in lines)
    blocks: list[_Block] = []
    current: _Block | None = None
    for line in lines:
        match = _PHASE_HEADER.match(line) if use_phase_word else _NUMBERED.match(line)
        if match:
            title, extra = _split_title(match.group(2))
            current = _Block(int(match.group(1)), title, [extra] if extra else [])
            blocks.append(current)
        elif _HEADING.match(line):
            current = None
        elif current is not None:
            current.lines.append(line)
    if not blocks:
        raise _refuse("devplan outline", "no phase headers were found.", _OUTLINE_FORMAT)
    numbers = [block.number for block in blocks]
    if numbers != list(range(1, len(blocks) + 1)):
        raise _refuse(
            "devplan outline",
            f"phases must be numbered 1 to {len(blocks)} in order without gaps or repeats; "
            f"found {', '.join(map(str, numbers))}.",
            _OUTLINE_FORMAT,
        )
    if len(blocks) > MAX_PHASES:
        raise _refuse(
            "devplan outline", f"{len(blocks)} phases is more than {MAX_PHASES}.", _OUTLINE_FORMAT
        )
    if expected_phases is not None and len(blocks) != expected_phases:
        raise _refuse(
            "devplan outline",
            f"it has {len(blocks)} phases but exactly {expected_phases} were asked for.",
            _OUTLINE_FORMAT,
        )
    untitled = [str(block.number) for block in blocks if not block.title]
    if untitled:
        raise _refuse(
            "devplan outline",
            f"phase {', '.join(untitled)} has no title.",
            _OUTLINE_FORMAT,
        )
    return tuple(PhaseOutline(b.number, b.title, _summary(b.lines)) for b in blocks)


# -- phase tasks ------------------------------------------------------------

_TASK = re.compile(
    r"^(?P<indent>\s*)(?:[-*+]\s+)?(?:\[(?P<box>[ xX])\]\s*)?(?:#{1,6}\s*)?(?:\*\*|__)?"
    r"(?:(?:step|task)\s+)?(?P<major>\d+)\.(?P<minor>\d+)(?P<sub>\.\d+)*(?![\d])\.?"
    r"(?P<rest>.*)$",
    re.IGNORECASE,
)
_FALLBACK_TASK = re.compile(r"^(?:\d+[.)]|[-*+]\s+\[(?P<box>[ xX])\])\s+(?P<rest>.+)$")


def _phase_format(phase: int) -> str:
    return (
        f"one line per step, numbered {phase}.1, {phase}.2, ... with sub-bullets for details:\n"
        f"- [ ] {phase}.1: First step\n  - detail\n- [ ] {phase}.2: Second step"
    )


@dataclass
class _Step:
    major: int
    minor: int
    title: str
    done: bool
    details: list[str]
    label: str


def _step_title(rest: str) -> str:
    rest = re.sub(r"^\s*(?:\*\*|__)?\s*[:.)\-–—]?\s*", "", rest)
    return " ".join(strip_bold(rest).rstrip(":").split()).strip(" :")


def _collect_steps(lines: list[str], phase_number: int) -> list[_Step]:
    steps: list[_Step] = []
    current: _Step | None = None
    for line in lines:
        if not line.strip():
            continue
        match = _TASK.match(line)
        if match and len(match.group("indent")) <= 1 and not match.group("sub"):
            box = match.group("box")
            major, minor = int(match.group("major")), int(match.group("minor"))
            current = _Step(
                major, minor, _step_title(match.group("rest")),
                bool(box and box.lower() == "x"), [], f"{major}.{minor}",
            )
            steps.append(current)
            continue
        if _HEADING.match(line) and not (match and match.group("sub")):
            current = None
            continue
        if current is None:
            continue
        bullet = _BULLET.match(line)
        content = bullet.group(2) if bullet else line
        content = re.sub(r"^\[[ xX]\]\s*", "", content.strip())
        content = re.sub(r"^\d+\.\d+\.\d+\.?\s*[:)\-–—]?\s*", "", content)
        detail = " ".join(strip_bold(content).split())
        if not detail:
            continue
        if bullet or not current.details or not line.startswith((" ", "\t")):
            current.details.append(detail)
        else:
            current.details[-1] += " " + detail
    return steps


def _fallback_steps(lines: list[str], phase_number: int) -> list[_Step]:
    steps: list[_Step] = []
    current: _Step | None = None
    for line in lines:
        match = _FALLBACK_TASK.match(line)
        if match:
            box = match.group("box")
            minor = len(steps) + 1
            current = _Step(
                phase_number, minor, _step_title(match.group("rest")),
                bool(box and box.lower() == "x"), [], f"item {minor}",
            )
            steps.append(current)
        elif _HEADING.match(line):
            current = None
        elif current is not None and line.strip():
            bullet = _BULLET.match(line)
            detail = " ".join(strip_bold(bullet.group(2) if bullet else line).split())
            if detail:
                current.details.append(detail)
    return steps


def parse_phase_tasks(text: str, phase_number: int) -> tuple[Task, ...]:
    """The steps of one phase, renumbered ``N.1 .. N.k`` in reply order.

    Accepts ``N.M: text``, ``- N.M: text``, ``- [ ] N.M text``, ``**N.M** text``,
    ``### N.M - text`` and ``Step N.M: text``; indented bullets (and ``N.M.K``
    sub-steps) under a step become its details. A reply whose steps all carry
    one other phase's prefix is renumbered; a mix of prefixes is refused.
    """
    lines = _drop_chatter(unwrap_fences(text).split("\n"))
    steps = _collect_steps(lines, phase_number) or _fallback_steps(lines, phase_number)
    expected = _phase_format(phase_number)
    if not steps:
        raise _refuse(f"phase {phase_number} steps", "no steps were found.", expected)
    majors = sorted({step.major for step in steps})
    if len(majors) > 1:
        wrong = [s.label for s in steps if s.major != phase_number]
        raise _refuse(
            f"phase {phase_number} steps",
            f"every step must be numbered {phase_number}.M for phase {phase_number}; "
            f"found steps of other phases: {', '.join(wrong)}.",
            expected,
        )
    seen: set[int] = set()
    for step in steps:
        if step.minor in seen:
            raise _refuse(
                f"phase {phase_number} steps", f"step {step.label} appears twice.", expected
            )
        seen.add(step.minor)
    untitled = [s.label for s in steps if not s.title]
    if untitled:
        raise _refuse(
            f"phase {phase_number} steps",
            f"step {', '.join(untitled)} has no description.",
            expected,
        )
    if len(steps) > MAX_TASKS:
        raise _refuse(
            f"phase {phase_number} steps",
            f"{len(steps)} steps is more than {MAX_TASKS}; group them.",
            expected,
        )
    return tuple(
        Task(
            id=f"{phase_number}.{index}",
            title=step.title,
            details=tuple(step.details),
            done=step.done,
        )
        for index, step in enumerate(steps, 1)
    )
