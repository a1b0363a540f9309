"""devussy-git: plan software with an LLM, in Discord, with every change kept in git.

Importing this package has no side effects: nothing reads the environment,
connects, or imports litellm until a face or a test builds the app.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
