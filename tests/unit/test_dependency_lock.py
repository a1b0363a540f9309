"""requirements.lock and pyproject.toml agree, and the lock is what is installed.

A newcomer and CI install exactly requirements.lock; pyproject.toml keeps the
ranges for people who install the package into their own environment. When a
range changes and the lock no longer fits it, or the environment running the
tests is not the locked one, these tests say which command fixes it.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).parents[2]
LOCK = ROOT / "requirements.lock"
PYPROJECT = ROOT / "pyproject.toml"
#: The extras the lock holds (README: the test command installs them).
LOCKED_EXTRAS = ("test", "postgres")
REFRESH = "Run scripts/lock and commit requirements.lock (see README, Development)."
REINSTALL = "Reinstall from the lock: pip install --require-hashes -r requirements.lock"

_ENTRY = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)\s*(?:;\s*(?P<marker>[^\\]+?))?\s*\\?$"
)


@dataclass(frozen=True)
class Pin:
    name: str
    version: Version
    marker: Marker | None
    hashes: int


def parse_lock(text: str) -> dict[str, Pin]:
    pins: dict[str, Pin] = {}
    current: dict[str, object] | None = None
    for line in [*text.splitlines(), ""]:
        stripped = line.strip()
        if stripped.startswith("--hash=sha256:") and current is not None:
            current["hashes"] = int(current["hashes"]) + 1  # type: ignore[call-overload]
            continue
        if line[:1].isspace() or stripped.startswith("#"):
            continue
        if current is not None:
            pin = Pin(**current)
            pins[pin.name] = pin
            current = None
        if not stripped:
            continue
        match = _ENTRY.match(stripped)
        assert match, f"requirements.lock: cannot read {line!r}. {REFRESH}"
        current = {
            "name": canonicalize_name(match["name"]),
            "version": Version(match["version"]),
            "marker": Marker(match["marker"]) if match["marker"] else None,
            "hashes": 0,
        }
    return pins


def declared() -> list[Requirement]:
    project = tomllib.loads(PYPROJECT.read_text())
    found = [Requirement(r) for r in project["project"]["dependencies"]]
    for extra in LOCKED_EXTRAS:
        found += [Requirement(r) for r in project["project"]["optional-dependencies"][extra]]
    found += [Requirement(r) for r in project["build-system"]["requires"]]
    return found


@pytest.fixture(scope="module")
def pins() -> dict[str, Pin]:
    return parse_lock(LOCK.read_text())


def test_every_declared_dependency_is_locked_within_its_range(pins: dict[str, Pin]) -> None:
    problems = []
    for req in declared():
        pin = pins.get(canonicalize_name(req.name))
        if pin is None:
            problems.append(f"{req} is not in the lock")
        elif not req.specifier.contains(pin.version, prereleases=True):
            problems.append(f"{req} but the lock has {pin.version}")
    assert not problems, "requirements.lock does not fit pyproject.toml: " + "; ".join(problems) + f". {REFRESH}"


def test_every_locked_package_is_pinned_by_hash(pins: dict[str, Pin]) -> None:
    unhashed = sorted(name for name, pin in pins.items() if pin.hashes == 0)
    assert pins and not unhashed, f"no hashes for {unhashed}. {REFRESH}"


def test_the_reader_sees_what_a_lock_says() -> None:
    text = (
        "# header\n"
        "litellm==1.109.3 \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\n    # via devussy-git\n"
        "colorama==0.4.6 ; sys_platform == 'win32' \\\n    --hash=sha256:cc\n"
        "plain==1.0\n"
    )
    pins = parse_lock(text)
    assert pins["litellm"] == Pin("litellm", Version("1.109.3"), None, 2)
    assert pins["colorama"].marker == Marker("sys_platform == 'win32'")
    assert pins["plain"].hashes == 0


@pytest.mark.skipif(
    os.environ.get("CHECK_LATEST_RUN") == "1",
    reason="scripts/check-latest runs the suite on the newest versions on purpose",
)
def test_the_installed_environment_is_the_locked_one(pins: dict[str, Pin]) -> None:
    wrong = []
    for pin in pins.values():
        if pin.marker is not None and not pin.marker.evaluate():
            continue
        try:
            installed = Version(metadata.version(pin.name))
        except metadata.PackageNotFoundError:
            wrong.append(f"{pin.name} is missing (lock: {pin.version})")
            continue
        if installed != pin.version:
            wrong.append(f"{pin.name} {installed} (lock: {pin.version})")
    assert not wrong, "this environment is not the locked one: " + "; ".join(wrong) + f". {REINSTALL}"
