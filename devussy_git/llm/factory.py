"""Pick the client for a profile: offline code or litellm.

Building a client never imports litellm or connects; that happens on the
first :meth:`complete` call.
"""

from __future__ import annotations

from collections.abc import Callable

from devussy_git.llm.offline import OfflineClient, Responder
from devussy_git.llm.profile import LLMProfile
from devussy_git.llm.types import LLMClient

__all__ = ["make_client"]


def make_client(
    profile: LLMProfile,
    *,
    on_retry: Callable[[int, BaseException], None] | None = None,
    responder: Responder | None = None,
    wait_initial_s: float = 1.0,
    wait_max_s: float = 30.0,
) -> LLMClient:
    """:class:`OfflineClient` for ``offline``, else :class:`LiteLLMClient`.

    Options that do not apply to the chosen client (``on_retry`` and the waits
    offline, where nothing is retried) are ignored, so callers can pass the
    same options for any profile; ``responder`` is only meaningful offline.
    """
    if profile.provider == "offline":
        return OfflineClient(profile, responder)
    if responder is not None:
        raise ValueError("a responder only applies to the offline provider")
    # Imported here: the offline client needs neither it nor tenacity.
    from devussy_git.llm.litellm_client import LiteLLMClient

    return LiteLLMClient(profile, on_retry=on_retry, wait_initial_s=wait_initial_s, wait_max_s=wait_max_s)
