"""The offline provider: a client that answers every stage from the interview, with no network.

- :mod:`.client`: :class:`OfflineClient`, the :class:`~devussy_git.llm.types.LLMClient`
  that wraps a responder's text in a reply;
- :mod:`.replies`: :func:`offline_reply`, the default responder: the text of each stage
  in the format a real model is asked for;
- :mod:`.workstreams` and :mod:`.layout`: the areas of work of a project and their
  grouping into phases, read from the content table ``content.toml``.

Importing this package imports only the client: the content is loaded on the first
reply. Nothing here imports litellm or opens a socket.
"""

from __future__ import annotations

from devussy_git.llm.offline.client import OFFLINE_MODEL, OfflineClient, Responder

__all__ = ["OFFLINE_MODEL", "OfflineClient", "Responder"]
