"""The markdown section patcher: AST-located, byte-exact, fail-closed edits.

Pure (no I/O, no git, no LLM). Built on markdown-it-py's block tokens (their
``map`` line ranges) and mdformat. The index is incremental: pieces of a text
between column-0 ATX headings are parsed alone and remembered by their text in
a bounded in-process cache (:mod:`._chunks`), so indexing the next version of a
plan file re-parses only the sections that changed.

Targets and actions (decisions recorded here, the code follows them):

- an **anchor** target is the lines between ``<!-- NAME_START -->`` and
  ``<!-- NAME_END -->``; the markers are never touched;
- a **heading** target is the heading's own body: from the line after the heading
  to the next heading of any level. Sub-sections are targets of their own, so an
  edit of ``Phase 1`` never removes ``Phase 1 > Tasks``. A heading is named by its
  text, or by a path suffix ``Phase 1 > Tasks`` when the text is not unique;
  case, spacing and emphasis marks are ignored when no exact match exists;
- ``replace`` swaps the target's text (blank lines around it stay), ``append``
  adds after it and ``prepend`` before it, with one blank line between unless a
  list simply goes on. Content repeated at that place is reported
  ``already-present`` instead of being added twice; ``replace`` with the same text
  is ``unchanged``. Content that repeats the edited heading as its first line has
  that line dropped. Text put into an empty section goes after its first blank
  line with one blank line before the next heading (none at all when the heading
  is directly followed by the next one); replacing with empty text removes that
  blank line again, so replacing with the old text gives the original bytes back;
- content is normalised with mdformat (GFM, numbered lists keep numbers, task
  boxes unescaped), indented/quoted like the anchor, and written with the file's
  line endings; a missing final newline stays missing;
- refused, with a message for the model: missing or ambiguous target, oversize
  content (default 20,000 characters), anchor markers in content, unclosed code
  fences or HTML blocks, headings that would end the section or take over what
  follows, and anything that changes how text outside the edit is read.

Public API (every name below is exported here)::

    parse_document(text) -> Document            # headings, anchors, tasks, problems
    apply_edits(text_or_doc, edits, *, max_content, file, normalize) -> PatchResult
    apply_plan_edits(files, edits, *, max_content, normalize) -> dict[str, PatchResult]
    parse_edits(raw_items) -> list[Edit | TaskCheck | StatusUpdate]
    get_anchor_content / set_anchor_content / check_task / set_status_field
    normalize_content(content) -> str           # content formatted as edits insert it
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from devussy_git._lazy import lazy_exports

# Each name is imported from its module on first use: reading a plan's anchors and
# tasks (``parse_document``) never loads mdformat or the edit models.
_HOMES: dict[str, str] = {
    "apply_plan_edits": "devussy_git.markdown.batch",
    "check_path": "devussy_git.markdown.batch",
    "Anchor": "devussy_git.markdown.document",
    "Document": "devussy_git.markdown.document",
    "Heading": "devussy_git.markdown.document",
    "Problem": "devussy_git.markdown.document",
    "TaskItem": "devussy_git.markdown.document",
    "parse_document": "devussy_git.markdown.document",
    "AnyEdit": "devussy_git.markdown.edits",
    "Edit": "devussy_git.markdown.edits",
    "StatusUpdate": "devussy_git.markdown.edits",
    "TaskCheck": "devussy_git.markdown.edits",
    "describe": "devussy_git.markdown.edits",
    "parse_edits": "devussy_git.markdown.edits",
    "EditBatchError": "devussy_git.markdown.messages",
    "EditFailure": "devussy_git.markdown.messages",
    "check_task": "devussy_git.markdown.ops",
    "get_anchor_content": "devussy_git.markdown.ops",
    "set_anchor_content": "devussy_git.markdown.ops",
    "set_status_field": "devussy_git.markdown.ops",
    "DEFAULT_MAX_CONTENT": "devussy_git.markdown.patcher",
    "ChangedRange": "devussy_git.markdown.patcher",
    "EditReport": "devussy_git.markdown.patcher",
    "LineRange": "devussy_git.markdown.patcher",
    "PatchResult": "devussy_git.markdown.patcher",
    "apply_edits": "devussy_git.markdown.patcher",
    "normalize_content": "devussy_git.markdown.normalize",
}

# Literal so type checkers see the re-exports; a test keeps it equal to _HOMES.
__all__ = [
    "DEFAULT_MAX_CONTENT",
    "Anchor",
    "AnyEdit",
    "ChangedRange",
    "Document",
    "Edit",
    "EditBatchError",
    "EditFailure",
    "EditReport",
    "Heading",
    "LineRange",
    "PatchResult",
    "Problem",
    "StatusUpdate",
    "TaskCheck",
    "TaskItem",
    "apply_edits",
    "apply_plan_edits",
    "check_path",
    "check_task",
    "describe",
    "get_anchor_content",
    "normalize_content",
    "parse_document",
    "parse_edits",
    "set_anchor_content",
    "set_status_field",
]

__getattr__, __dir__ = lazy_exports(__name__, _HOMES, globals())

if TYPE_CHECKING:
    from .batch import apply_plan_edits, check_path
    from .document import Anchor, Document, Heading, Problem, TaskItem, parse_document
    from .edits import AnyEdit, Edit, StatusUpdate, TaskCheck, describe, parse_edits
    from .messages import EditBatchError, EditFailure
    from .normalize import normalize_content
    from .ops import check_task, get_anchor_content, set_anchor_content, set_status_field
    from .patcher import (
        DEFAULT_MAX_CONTENT,
        ChangedRange,
        EditReport,
        LineRange,
        PatchResult,
        apply_edits,
    )
