"""The values that cross the LLM adapter's boundary: requests, replies, clients.

Plain frozen dataclasses and one Protocol, so the pipeline and the agent can be
written and tested against :class:`LLMClient` without litellm. This module must
never import litellm, read the environment or touch the network.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from devussy_git.llm.profile import LLMProfile

__all__ = ["LLMClient", "LLMRequest", "Reply", "estimate_tokens"]


@dataclass(frozen=True)
class LLMRequest:
    """One chat completion to ask for."""

    #: Chat messages: ``{"role": "system" | "user" | "assistant", "content": ...}``.
    messages: Sequence[Mapping[str, str]]
    #: The pipeline stage asking ("complexity", "design", "phase", "handoff-next", ...);
    #: the offline client answers by stage and logs name it.
    stage: str
    #: Structured inputs of the stage (interview, plan, phase number, ...). Only the
    #: offline client reads it; it is never sent to a provider.
    context: Mapping[str, Any] = field(default_factory=dict)
    max_tokens: int | None = None
    temperature: float | None = None
    #: Ask the provider for a JSON object reply where it supports that.
    json_mode: bool = False

    def prompt_chars(self) -> int:
        """Characters of every message's content (for token estimates)."""
        return sum(len(str(m.get("content") or "")) for m in self.messages)


@dataclass(frozen=True)
class Reply:
    """What the model said, and what it cost."""

    text: str
    #: The model that answered, as the provider reported it ("offline" offline).
    model: str
    tokens_in: int
    tokens_out: int
    #: USD cost when litellm knows the model's price, else ``None``.
    cost: float | None = None
    #: Why the model stopped, as the provider said: ``"stop"``, ``"length"`` (cut off
    #: at the output limit: the text is incomplete), ``"content_filter"``, ... or
    #: ``None`` when it did not say.
    finish_reason: str | None = None

    @property
    def truncated(self) -> bool:
        """True when the provider cut the reply off: it must never be used."""
        return self.finish_reason == "length"


class LLMClient(Protocol):
    """Anything that turns an :class:`LLMRequest` into a :class:`Reply`."""

    profile: LLMProfile

    async def complete(self, request: LLMRequest) -> Reply:
        """Ask once (retrying transient failures inside); raise DevussyError subclasses.

        The reply is returned as the provider gave it, empty or cut off included:
        whether it can be used is the caller's decision (``pipeline.ask``).
        """
        ...


def estimate_tokens(chars: int) -> int:
    """A provider-independent token estimate: one token per four characters."""
    return -(-chars // 4)
