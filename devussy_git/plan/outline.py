"""Tolerant parsing of the devplan outline and of each phase's steps.

Accepts the header and step styles models actually use (see the function
docstrings); refuses, with a message written for the model, numbering that
cannot be trusted. Never invents a phase or a step.

Pure: text in, values out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from devussy_git.plan.model import PhaseOutline, Task
from devussy_git.plan.textutil import (
    BULLET,
    HEADING,
    check_reply_size,
    drop_chatter,
    llm_refusal,
    strip_bold,
    strip_reasoning,
    structural,
    unwrap_fences,
)

__all__ = ["MAX_PHASES", "MAX_TASKS", "parse_devplan_outline", "parse_phase_tasks"]

MAX_PHASES = 20
MAX_TASKS = 50

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
    r"^(?:\*\*|__)?(?:summary|description|overview|objective|goal)s?(?:\*\*|__)?"
    r"\s*:\s*(?:\*\*|__)?\s*",
    re.IGNORECASE,
)


def _line_kind(line: str) -> str:
    stripped = line.lstrip()
    if stripped.startswith("#"):
        return "heading"
    if stripped.startswith(("**", "__")):
        return "bold"
    if re.match(r"(?:[-*+]|\d+[.)])\s", stripped):
        return "list"
    return "plain"


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
        bullet = BULLET.match(line)
        if bullet:
            out.append(f"- {bullet.group(2).strip()}")
        else:
            out.append(_SUMMARY_LABEL.sub("", line.strip()))
    while out and not out[-1]:
        out.pop()
    return "\n".join(out).strip()


def parse_devplan_outline(text: str, expected_phases: int | None = None) -> tuple[PhaseOutline, ...]:
    """The phases of a devplan outline, numbered 1..N.

    Headers may be ``**Phase N: Title**``, ``## Phase N: Title``,
    ``### Phase N - Title`` or, when no line says "Phase", a top-level
    ``N. Title`` list. The lines under a header become its summary.
    """
    check_reply_size(text, "devplan outline", _OUTLINE_FORMAT)
    text = strip_reasoning(text)
    lines = drop_chatter(unwrap_fences(text).split("\n"))
    use_phase_word = any(_PHASE_HEADER.match(structural(line)) for line in lines)
    header = _PHASE_HEADER if use_phase_word else _NUMBERED
    blocks: list[_Block] = []
    current: _Block | None = None
    # Phases are headed all alike (headings, bold lines or list items): a line of
    # another kind that mentions "Phase 3" (a timeline, a summary) is not a new phase.
    kind: str | None = None
    for line in lines:
        match = header.match(structural(line))
        if match and kind is not None and _line_kind(line) != kind:
            match = None
        if match:
            kind = kind or _line_kind(line)
            title, extra = _split_title(match.group(2))
            current = _Block(int(match.group(1)), title, [extra] if extra else [])
            blocks.append(current)
        elif HEADING.match(structural(line)):
            current = None
        elif current is not None:
            current.lines.append(line)
    if not blocks:
        raise llm_refusal("devplan outline", "no phase headers were found.", _OUTLINE_FORMAT)
    numbers = [block.number for block in blocks]
    if numbers != list(range(1, len(blocks) + 1)):
        raise llm_refusal(
            "devplan outline",
            f"phases must be numbered 1 to {len(blocks)} in order without gaps or repeats; "
            f"found {', '.join(map(str, numbers))}.",
            _OUTLINE_FORMAT,
        )
    if len(blocks) > MAX_PHASES:
        raise llm_refusal("devplan outline", f"{len(blocks)} phases is more than {MAX_PHASES}.", _OUTLINE_FORMAT)
    if expected_phases is not None and len(blocks) != expected_phases:
        raise llm_refusal(
            "devplan outline",
            f"it has {len(blocks)} phases but exactly {expected_phases} were asked for.",
            _OUTLINE_FORMAT,
        )
    untitled = [str(block.number) for block in blocks if not block.title]
    if untitled:
        raise llm_refusal(
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
_FALLBACK_TASK = re.compile(
    r"^(?:(?:\d+[.)]|[-*+]\s+\[(?P<box>[ xX])\])\s+"
    r"|(?:[-*+]\s+)?(?:\*\*|__)?(?:step|task)\s+\d+\s*[:.)\-–—]?\s*(?:\*\*|__)?\s*[:.)\-–—]?\s*)"
    r"(?P<rest>.+)$",
    re.IGNORECASE,
)


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


def _collect_steps(lines: list[str]) -> list[_Step]:
    steps: list[_Step] = []
    current: _Step | None = None
    for line in lines:
        if not line.strip():
            continue
        match = _TASK.match(structural(line))
        if match and len(match.group("indent")) <= 1 and not match.group("sub"):
            box = match.group("box")
            major, minor = int(match.group("major")), int(match.group("minor"))
            current = _Step(
                major,
                minor,
                _step_title(match.group("rest")),
                bool(box and box.lower() == "x"),
                [],
                f"{major}.{minor}",
            )
            steps.append(current)
            continue
        if HEADING.match(structural(line)) and not (match and match.group("sub")):
            current = None
            continue
        if current is None:
            continue
        bullet = BULLET.match(line)
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
        match = _FALLBACK_TASK.match(structural(line))
        if match:
            box = match.group("box")
            minor = len(steps) + 1
            current = _Step(
                phase_number,
                minor,
                _step_title(match.group("rest")),
                bool(box and box.lower() == "x"),
                [],
                f"item {minor}",
            )
            steps.append(current)
        elif HEADING.match(structural(line)):
            current = None
        elif current is not None and line.strip():
            bullet = BULLET.match(line)
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
    check_reply_size(text, f"phase {phase_number} steps", _phase_format(phase_number))
    text = strip_reasoning(text)
    lines = drop_chatter(unwrap_fences(text).split("\n"))
    steps = _collect_steps(lines) or _fallback_steps(lines, phase_number)
    expected = _phase_format(phase_number)
    if not steps:
        raise llm_refusal(f"phase {phase_number} steps", "no steps were found.", expected)
    majors = sorted({step.major for step in steps})
    if len(majors) > 1:
        wrong = [s.label for s in steps if s.major != phase_number]
        raise llm_refusal(
            f"phase {phase_number} steps",
            f"every step must be numbered {phase_number}.M for phase {phase_number}; "
            f"found steps of other phases: {', '.join(wrong)}.",
            expected,
        )
    seen: set[int] = set()
    for step in steps:
        if step.minor in seen:
            raise llm_refusal(f"phase {phase_number} steps", f"step {step.label} appears twice.", expected)
        seen.add(step.minor)
    untitled = [s.label for s in steps if not s.title]
    if untitled:
        raise llm_refusal(
            f"phase {phase_number} steps",
            f"step {', '.join(untitled)} has no description.",
            expected,
        )
    if len(steps) > MAX_TASKS:
        raise llm_refusal(
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
