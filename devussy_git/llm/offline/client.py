"""The offline client: deterministic replies, no network, no key.

It hands each request's ``stage`` and ``context`` to a responder and wraps the
text in a :class:`~devussy_git.llm.types.Reply` with model ``"offline"`` and
token counts estimated from characters. The content itself comes from
``devussy_git.llm.offline.replies.offline_reply`` (imported on first use) unless a
responder is given. This module must never import litellm or open a socket.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from devussy_git.errors import InvalidLLMOutputError
from devussy_git.llm.profile import LLMProfile
from devussy_git.llm.types import LLMRequest, Reply, estimate_tokens

__all__ = ["OFFLINE_MODEL", "OfflineClient", "Responder"]

#: What offline replies (and their commits' ``Devussy-Model``) name as the model.
OFFLINE_MODEL = "offline"

#: ``responder(stage, context) -> text``.
Responder = Callable[[str, Mapping[str, Any]], str]


def _default_responder(stage: str, context: Mapping[str, Any]) -> str:
    from devussy_git.llm.offline.replies import offline_reply

    return offline_reply(stage, context)


class OfflineClient:
    """An :class:`~devussy_git.llm.types.LLMClient` that answers from code."""

    def __init__(self, profile: LLMProfile | None = None, responder: Responder | None = None) -> None:
        self.profile = profile or LLMProfile(provider="offline", model=OFFLINE_MODEL)
        self._responder = responder or _default_responder

    async def complete(self, request: LLMRequest) -> Reply:
        """The responder's text for ``request.stage``; empty text is invalid output."""
        text = self._responder(request.stage, request.context)
        if not text.strip():
            raise InvalidLLMOutputError(
                f"The offline provider has no reply for the {request.stage} stage.",
                model_message="The reply was empty.",
            )
        return Reply(
            text=text,
            model=OFFLINE_MODEL,
            tokens_in=estimate_tokens(request.prompt_chars()),
            tokens_out=estimate_tokens(len(text)),
            cost=0.0,
        )
