"""Suite-wide settings: no test may reach the internet."""

from __future__ import annotations

import os

# litellm downloads a cost map at import unless told not to; set before any import.
os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
# Never let a developer's real keys or .env leak into tests.
for _name in list(os.environ):
    if _name.startswith(("LLM_", "DEVUSSY_", "DISCORD_")) or _name == "DATABASE_URL":
        del os.environ[_name]
