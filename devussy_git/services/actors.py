"""Who asked: the person a request comes from, as commit author and trailer."""

from __future__ import annotations

import getpass
import os
import subprocess
from dataclasses import dataclass

from devussy_git.store import Identity

__all__ = [
    "Actor",
]


@dataclass(frozen=True)
class Actor:
    """The person who asked: the author of the commits their request makes."""

    kind: str  # "cli" | "discord" | "http"
    id: str
    name: str
    email: str

    @property
    def identity(self) -> Identity:
        return Identity(self.name, self.email)

    @property
    def trailer(self) -> str:
        """The ``Devussy-Actor`` trailer value (``discord:<id>``, ``cli:<user>``)."""
        return f"{self.kind}:{self.id}"

    @classmethod
    def discord(cls, user_id: int, display_name: str) -> Actor:
        return cls("discord", str(user_id), display_name, f"{user_id}@users.noreply.discord.invalid")

    @classmethod
    def http(cls, name: str = "runner") -> Actor:
        return cls("http", name, name, f"{name}@devussy.invalid")

    @classmethod
    def cli(cls) -> Actor:
        """From ``git config user.name/email`` when set, else ``$USER``."""
        try:
            user = getpass.getuser()
        except (KeyError, OSError):
            # No $USER and no passwd entry (e.g. a container run with --user).
            user = f"uid{os.getuid()}"

        def git_config(key: str) -> str:
            try:
                done = subprocess.run(["git", "config", "--get", key], capture_output=True, text=True, timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                return ""
            return done.stdout.strip() if done.returncode == 0 else ""

        name = git_config("user.name") or user
        email = git_config("user.email") or f"{user}@localhost.invalid"
        return cls("cli", user, name, email)
