"""A small thread-safe LRU cache keyed by text, bounded by the characters it keeps."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

__all__ = ["TextCache"]

V = TypeVar("V")


class TextCache(Generic[V]):
    """Values by exact text; the least recently used texts go first past ``max_chars``.

    A text longer than a quarter of ``max_chars`` is never kept, so one huge
    document cannot push out everything else.
    """

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self._entries: OrderedDict[str, V] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, text: str) -> V | None:
        with self._lock:
            found = self._entries.get(text)
            if found is None:
                self.misses += 1
                return None
            self._entries.move_to_end(text)
            self.hits += 1
            return found

    def put(self, text: str, value: V, *, replace: bool = False) -> None:
        if len(text) > self.max_chars // 4:
            return
        with self._lock:
            if text in self._entries:
                if replace:
                    self._entries[text] = value
                    self._entries.move_to_end(text)
                return
            self._entries[text] = value
            self._chars += len(text)
            while self._chars > self.max_chars:
                old, _ = self._entries.popitem(last=False)
                self._chars -= len(old)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._chars = 0
            self.hits = self.misses = 0

    def info(self) -> dict[str, int]:
        with self._lock:
            return {"entries": len(self._entries), "chars": self._chars, "hits": self.hits, "misses": self.misses}
