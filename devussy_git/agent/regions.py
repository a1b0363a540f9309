"""Plan files as regions: the inner text of each anchor and the text between them.

The handoff agent reasons about a plan file region by region: the ritual owns
some anchors (``QUICK_STATUS`` ...), the model may edit others, and a step
computed on one head is carried onto a newer head (a concurrent writer, a
proposal applied after ``main`` moved) by merging region by region. A region
that only one side changed takes that side; two appends (or two prepends) to
the same region keep both; anything else is a conflict naming the region.

Anchors are found by :func:`devussy_git.plan.anchors.find_anchors`, the one
reader of the plan's anchors (well-formed ``<!-- NAME_START -->`` /
``<!-- NAME_END -->`` marker lines outside code); marker lines belong to the
text regions, so no region operation can remove or duplicate an anchor.
Lines are split at ``\n``; a file with CRLF endings keeps the ``\r`` at the
end of each line (markers are found all the same, values are read without it
and lines written into such a file get it back), so every byte is kept.

Pure string work: never reads git, never calls a model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from devussy_git.plan.anchors import find_anchors

__all__ = [
    "RegionConflict",
    "RegionDoc",
    "anchor_content",
    "anchor_value",
    "changed_regions",
    "merge_files",
    "merge_text",
    "put_anchor_lines",
    "replace_anchor",
    "split_regions",
]


@dataclass(frozen=True)
class RegionConflict(Exception):
    """Both sides changed one region in ways that cannot be combined."""

    file: str
    region: str

    def __str__(self) -> str:
        return f"{self.file}: {self.region}"


def _lines(text: str) -> list[str]:
    return text.split("\n")


def split_regions(text: str) -> list[tuple[str, list[str]]]:
    """``[(key, lines)]`` covering ``text`` exactly, in order.

    Keys are ``anchor:NAME`` for an anchor's inner lines and ``text:<after>``
    for the lines between anchors (``<after>`` is the previous anchor's name,
    or ``^`` at the start), marker lines included. Joining every region's
    lines with ``"\\n"`` gives ``text`` back.
    """
    lines = _lines(text)
    regions: list[tuple[str, list[str]]] = []
    key, at = "text:^", 0
    for anchor in find_anchors(text):
        regions.append((key, lines[at : anchor.start + 1]))
        regions.append((f"anchor:{anchor.name}", lines[anchor.start + 1 : anchor.end]))
        key, at = f"text:{anchor.name}", anchor.end
    regions.append((key, lines[at:]))
    return regions


def _render(regions: Sequence[tuple[str, list[str]]]) -> str:
    return "\n".join(line for _, lines in regions for line in lines)


def _strip_blank(lines: list[str]) -> list[str]:
    begin, end = 0, len(lines)
    while begin < end and not lines[begin].strip():
        begin += 1
    while end > begin and not lines[end - 1].strip():
        end -= 1
    return lines[begin:end]


def _padding(lines: list[str]) -> tuple[int, int]:
    """Blank lines before and after the content of an anchor's inner lines."""
    if not any(line.strip() for line in lines):
        return (1, 1) if lines else (0, 0)
    lead = next(i for i, line in enumerate(lines) if line.strip())
    trail = next(i for i, line in enumerate(reversed(lines)) if line.strip())
    return lead, trail


class RegionDoc:
    """A text split once into regions, read and rewritten anchor by anchor."""

    def __init__(self, text: str) -> None:
        self.original = text
        self.regions = split_regions(text)
        self._at = {key: i for i, (key, _) in enumerate(self.regions) if key.startswith("anchor:")}
        self.changed = False
        #: The file ends its lines with CRLF: written lines get the ``\r`` too.
        self.crlf = 2 * text.count("\r\n") > text.count("\n")

    def names(self) -> list[str]:
        return [key.removeprefix("anchor:") for key in self._at]

    def lines(self, name: str) -> list[str] | None:
        """The anchor's inner lines as stored (blank padding included), or ``None``."""
        index = self._at.get(f"anchor:{name}")
        return None if index is None else self.regions[index][1]

    def value(self, name: str) -> str | None:
        """The anchor's content without blank lines around it, or ``None``."""
        lines = self.lines(name)
        if lines is None:
            return None
        return "\n".join(line.removesuffix("\r") for line in _strip_blank(lines))

    def put_lines(self, name: str, lines: list[str]) -> None:
        index = self._at[f"anchor:{name}"]
        if self.regions[index][1] != lines:
            self.regions[index] = (self.regions[index][0], list(lines))
            self.changed = True

    def set(self, name: str, content: str) -> None:
        """Set the content, keeping the blank lines a formatter put inside the markers.

        ``KeyError`` when the anchor is absent.
        """
        current = self.regions[self._at[f"anchor:{name}"]][1]
        new = content.strip("\n")
        end = "\r" if self.crlf else ""
        if not new.strip():
            body = [end] if current else []
        else:
            lead, trail = _padding(current)
            body = [end] * lead + [line.removesuffix("\r") + end for line in _lines(new)]
            body += [end] * trail
        self.put_lines(name, body)

    def text(self) -> str:
        return _render(self.regions) if self.changed else self.original


def anchor_content(text: str, name: str) -> str | None:
    """The inner text of anchor ``name`` (lines between the markers), or ``None``."""
    lines = RegionDoc(text).lines(name)
    return None if lines is None else "\n".join(lines)


def anchor_value(text: str, name: str) -> str | None:
    """The content of anchor ``name`` without blank lines around it, or ``None``."""
    return RegionDoc(text).value(name)


def replace_anchor(text: str, name: str, content: str) -> str:
    """``text`` with anchor ``name``'s content set to ``content``.

    Every byte outside the anchor's inner lines is kept, and so are the blank
    lines a formatter put around the content inside the markers. ``KeyError``
    when the anchor is absent.
    """
    doc = RegionDoc(text)
    doc.set(name, content)
    return doc.text()


def put_anchor_lines(text: str, name: str, inner: str) -> str:
    """``text`` with anchor ``name``'s inner lines exactly ``inner`` (as
    :func:`anchor_content` returned it); ``KeyError`` when absent."""
    doc = RegionDoc(text)
    doc.put_lines(name, _lines(inner) if inner else [])
    return doc.text()


def changed_regions(old: str, new: str) -> set[str]:
    """Keys of the regions whose lines differ (every key when the layout changed)."""
    a, b = split_regions(old), split_regions(new)
    if [k for k, _ in a] != [k for k, _ in b]:
        return {k for k, _ in a} | {k for k, _ in b}
    return {ka for (ka, la), (_, lb) in zip(a, b, strict=True) if la != lb}


def _core(lines: list[str]) -> tuple[list[str], list[str], list[str]]:
    """``(leading blank lines, content, trailing blank lines)``."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return lines[:start], lines[start:end], lines[end:]


def _merge_region(base: list[str], ours: list[str], theirs: list[str]) -> list[str] | None:
    if theirs in (base, ours):
        return ours
    if ours == base:
        return theirs
    _, b, _ = _core(base)
    lead, o, trail = _core(ours)
    _, t, _ = _core(theirs)
    n = len(b)
    if t[:n] == b and o[:n] == b:
        return lead + o + t[n:] + trail if o or t[n:] else ours
    if n and t[-n:] == b and o[-n:] == b:
        return lead + t[: len(t) - n] + o + trail
    return None


def merge_text(base: str, ours: str, theirs: str, *, file: str) -> str:
    """Carry ``theirs``' change of ``base`` onto ``ours``, region by region.

    ``RegionConflict`` when a region cannot be merged (both replaced it, or
    the anchor layout differs and both sides changed the file).
    """
    if theirs == base:
        return ours
    if ours in (base, theirs):
        return theirs
    b, o, t = split_regions(base), split_regions(ours), split_regions(theirs)
    keys = [k for k, _ in b]
    if keys != [k for k, _ in o] or keys != [k for k, _ in t]:
        raise RegionConflict(file, "the layout of anchors")
    merged: list[tuple[str, list[str]]] = []
    for (key, lb), (_, lo), (_, lt) in zip(b, o, t, strict=True):
        region = _merge_region(lb, lo, lt)
        if region is None:
            raise RegionConflict(file, key.replace("text:", "text after ").replace("anchor:", ""))
        merged.append((key, region))
    return _render(merged)


def merge_files(base: Mapping[str, str], ours: Mapping[str, str], theirs: Mapping[str, str]) -> dict[str, str]:
    """:func:`merge_text` for every file ``theirs`` changed against ``base``.

    Returns the merged text of those files only. A file ``theirs`` changed that
    ``ours`` no longer has is a conflict.
    """
    out: dict[str, str] = {}
    for path in sorted(theirs):
        if theirs[path] == base.get(path):
            continue
        if path not in ours:
            if path in base:
                raise RegionConflict(path, "the whole file (it was deleted)")
            out[path] = theirs[path]
            continue
        if path not in base:
            if ours[path] != theirs[path]:
                raise RegionConflict(path, "the whole file (added on both sides)")
            continue
        merged = merge_text(base[path], ours[path], theirs[path], file=path)
        if merged != ours[path]:
            out[path] = merged
    return out
