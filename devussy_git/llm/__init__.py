"""The LLM adapter: profiles, requests, replies and the clients that answer them.

``make_client(LLMProfile.from_settings(settings))`` gives an offline client or a
litellm-backed one; both satisfy :class:`LLMClient`. This package is the only
place that imports litellm, and importing it does not: litellm is loaded on the
first real call. Nothing here reads the environment or touches the network at
import time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from devussy_git._lazy import lazy_exports
from devussy_git.llm.factory import make_client
from devussy_git.llm.offline import OFFLINE_MODEL, OfflineClient, Responder
from devussy_git.llm.profile import KEY_ENV_VARS, LLMProfile
from devussy_git.llm.types import LLMClient, LLMRequest, Reply, estimate_tokens

# The litellm client and its retry policy (tenacity) are imported on first use:
# a step with the offline provider never needs them.
_HEAVY: dict[str, str] = {
    "LiteLLMClient": "devussy_git.llm.litellm_client",
    "aclose_litellm": "devussy_git.llm.litellm_client",
    "litellm_model_name": "devussy_git.llm.litellm_client",
    "load_litellm": "devussy_git.llm.litellm_client",
    "NON_RETRYABLE_EXCEPTIONS": "devussy_git.llm.retry",
    "RETRYABLE_EXCEPTIONS": "devussy_git.llm.retry",
    "STATUS_DECIDED_EXCEPTIONS": "devussy_git.llm.retry",
    "is_retryable": "devussy_git.llm.retry",
}

__getattr__, __dir__ = lazy_exports(__name__, _HEAVY, globals())

if TYPE_CHECKING:
    from devussy_git.llm.litellm_client import LiteLLMClient, aclose_litellm, litellm_model_name, load_litellm
    from devussy_git.llm.retry import (
        NON_RETRYABLE_EXCEPTIONS,
        RETRYABLE_EXCEPTIONS,
        STATUS_DECIDED_EXCEPTIONS,
        is_retryable,
    )

__all__ = [
    "KEY_ENV_VARS",
    "NON_RETRYABLE_EXCEPTIONS",
    "OFFLINE_MODEL",
    "RETRYABLE_EXCEPTIONS",
    "STATUS_DECIDED_EXCEPTIONS",
    "LLMClient",
    "LLMProfile",
    "LLMRequest",
    "LiteLLMClient",
    "OfflineClient",
    "Reply",
    "Responder",
    "aclose_litellm",
    "estimate_tokens",
    "is_retryable",
    "litellm_model_name",
    "load_litellm",
    "make_client",
]
