"""Tolerant parsing of what an LLM returns at each pipeline stage.

Models wrap replies in code fences, add a friendly preamble, and pick their own
header and list styles; these parsers accept the common variants. What cannot
be used raises :class:`InvalidLLMOutputError` whose ``model_message`` says what
was wrong and which format is expected, so the pipeline can re-ask. Nothing
here ever fills a gap with a placeholder.

The design and review parsers live here; the outline and step parsers in
``outline.py`` (re-exported). Pure: text in, values out; no I/O, no LLM calls.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from devussy_git.plan.model import ValidationResult
from devussy_git.plan.outline import (
    MAX_PHASES,
    MAX_TASKS,
    parse_devplan_outline,
    parse_phase_tasks,
)
from devussy_git.plan.textutil import (
    BOLD_LINE,
    BULLET,
    HEADING,
    check_reply_size,
    drop_chatter,
    extract_json_object,
    llm_refusal,
    strip_bold,
    strip_reasoning,
    structural,
    unwrap_fences,
)

__all__ = [
    "DESIGN_SECTIONS",
    "MAX_PHASES",
    "MAX_TASKS",
    "parse_design",
    "parse_devplan_outline",
    "parse_phase_tasks",
    "parse_validation",
]

_MIN_DESIGN_CHARS = 200
_MAX_PREAMBLE = 200

#: Sections a design must have: name -> heading words that count as it.
DESIGN_SECTIONS: tuple[tuple[str, str], ...] = (
    ("Objectives", r"objectives?|goals?|purpose"),
    ("Tech Stack", r"tech(?:nology|nical)?\s*stack|technolog(?:y|ies)|stack|tech|tooling|frameworks?"),
    ("Architecture", r"architecture|system\s+design|components"),
)


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
    check_reply_size(text, "design", _DESIGN_FORMAT)
    text = strip_reasoning(text)
    body = unwrap_fences(text)
    lines = body.split("\n")
    if _looks_like_outline(lines):
        raise llm_refusal(
            "design",
            "it is a development plan outline (Phase 1, Phase 2, ...), but the project design "
            "was asked for: objectives, tech stack and architecture, not phases.",
            _DESIGN_FORMAT,
        )
    first_heading = next((i for i, line in enumerate(lines) if HEADING.match(structural(line))), None)
    # A short preamble ("Certainly! Here is the design:") goes; a real opening
    # paragraph before the first heading stays.
    if first_heading is not None and len("".join(lines[:first_heading])) <= _MAX_PREAMBLE:
        lines = lines[first_heading:]
    lines = drop_chatter(lines)
    result = "\n".join(line.rstrip() for line in lines).strip()
    if not result:
        raise llm_refusal("design", "the reply is empty.", _DESIGN_FORMAT)
    titles = [m.group(2) for m in (HEADING.match(structural(x)) for x in lines) if m]
    titles += [m.group(1) for m in (BOLD_LINE.match(structural(x)) for x in lines) if m]
    missing = [
        name
        for name, words in DESIGN_SECTIONS
        if not any(re.search(rf"\b(?:{words})\b", strip_bold(t), re.IGNORECASE) for t in titles)
    ]
    if missing:
        raise llm_refusal(
            "design",
            f"missing section{'s' if len(missing) > 1 else ''}: {', '.join(missing)}.",
            _DESIGN_FORMAT,
        )
    if len(result) < _MIN_DESIGN_CHARS:
        raise llm_refusal(
            "design",
            f"it is only {len(result)} characters; describe each section in a few sentences.",
            _DESIGN_FORMAT,
        )
    return result + "\n"


_PHASE_LINE = re.compile(r"^\s{0,3}(?:#{1,6}\s+|\*\*|__)?\s*phase\s+\d+\b", re.IGNORECASE)


def _looks_like_outline(lines: list[str]) -> bool:
    """True when most section titles of ``lines`` are "Phase N" lines."""
    titles = [line for line in lines if HEADING.match(structural(line)) or BOLD_LINE.match(structural(line))]
    phases = [line for line in lines if _PHASE_LINE.match(structural(line))]
    return len(phases) >= 2 and len(phases) * 2 >= len(titles)


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
    rf"^[\s>#*_-]*(?:(?:final\s+)?verdict|status|decision|result|outcome)[\W_]{{0,12}}?"
    rf"(?P<word>{_NEGATIVE}|{_POSITIVE})\b",
    re.IGNORECASE,
)
_BARE_VERDICT = re.compile(rf"^[\s>#*_`]*(?P<word>{_NEGATIVE}|approved)[\s*_`.!]*$", re.IGNORECASE)
_ISSUE_HEADING = re.compile(
    r"issues?|problems?|required\s+changes|changes\s+required|corrections?|concerns?|"
    r"blocking|revisions?",
    re.IGNORECASE,
)
#: A plain line that introduces an issue list: "Issues to fix:", "Required changes:".
_ISSUE_INTRO = re.compile(
    r"^\s{0,3}(?:[\W_]{0,4})(?:the\s+)?(?:issues?|problems?|required\s+changes|changes\s+required|"
    r"corrections?|concerns?|blocking\s+issues?|revisions?)(?:\s+(?:to\s+(?:fix|address)|found|"
    r"identified|requiring\s+changes?))?\s*:\s*[*_]*\s*$",
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
        positive = re.match(_POSITIVE, verdict.strip(), re.IGNORECASE) is not None
        approved = positive and not _is_negative(verdict)
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
        (v for k in ("review", "summary", "feedback", "comments") if isinstance(v := data.get(k), str) and v.strip()),
        "",
    )
    return ValidationResult(approved=approved, review=review.strip(), issues=issues)


def _issue_bullets(lines: Iterable[str]) -> list[str]:
    issues: list[str] = []
    in_issues = False
    for line in lines:
        heading = HEADING.match(structural(line)) or BOLD_LINE.match(structural(line))
        if heading:
            title = heading.group(heading.lastindex or 1)
            in_issues = _ISSUE_HEADING.search(strip_bold(title)) is not None
            continue
        if _ISSUE_INTRO.match(structural(line)):
            in_issues = True
            continue
        if in_issues:
            bullet = BULLET.match(line)
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
    has_review = any((m := HEADING.match(structural(line))) and _REVIEW_HEADING.search(m.group(2)) for line in lines)
    for line in lines:
        if _ISSUE_INTRO.match(structural(line)):
            mode = "skip"
            continue
        heading = HEADING.match(structural(line))
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
    check_reply_size(text, "design review", _VALIDATION_FORMAT)
    text = strip_reasoning(text)
    data = extract_json_object(text)
    result = _validation_from_json(data) if data is not None else None
    if result is None:
        body = unwrap_fences(text)
        lines = drop_chatter(body.split("\n"))
        verdict: str | None = None
        for index, line in enumerate(lines):
            match = _VERDICT_LINE.match(structural(line)) or _BARE_VERDICT.match(structural(line))
            if (
                match is None
                and HEADING.match(structural(line))
                and re.search(r"verdict|decision", line, re.IGNORECASE)
            ):
                following = next((rest for rest in lines[index + 1 :] if rest.strip()), "")
                match = _BARE_VERDICT.match(structural(following)) or re.match(
                    rf"[\s*_`]*(?P<word>{_NEGATIVE}|{_POSITIVE})\b",
                    structural(following),
                    re.IGNORECASE,
                )
            if match:
                verdict = match.group("word")
                if not HEADING.match(structural(line)):
                    lines = lines[:index] + lines[index + 1 :]
                break
        if verdict is None:
            titles = " ".join(m.group(2) for m in (HEADING.match(structural(x)) for x in lines) if m)
            looks_like_design = all(
                re.search(rf"\b(?:{words})\b", titles, re.IGNORECASE) for _, words in DESIGN_SECTIONS
            )
            problem = (
                "it is a project design, but a review of the design was asked for: a verdict "
                "on the design, your assessment and the issues to fix."
                if looks_like_design
                else "no verdict (approved or needs revision) was found."
            )
            raise llm_refusal("design review", problem, _VALIDATION_FORMAT)
        result = ValidationResult(
            approved=not _is_negative(verdict),
            review=_review_text(lines),
            issues=tuple(_issue_bullets(lines)),
        )
    if result.approved:
        return ValidationResult(approved=True, review=result.review, issues=())
    if not result.issues:
        raise llm_refusal(
            "design review",
            "the design was not approved but no issues were listed.",
            _VALIDATION_FORMAT,
        )
    return result
