"""A throwaway PostgreSQL cluster for the database tests.

Started once per test session in a private temporary directory, listening
only on a unix socket there; each test gets its own fresh database. When the
server binaries, asyncpg or a non-root user are missing, :func:`unavailable`
says why, and the PostgreSQL variants of the tests are skipped with it.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PgCluster", "find_bin_dir", "unavailable"]

ASYNC_DRIVER_MISSING = "asyncpg not installed (pip install devussy-git[postgres])"
_PORT = 5432  # private socket directory: no clash with any other server


def find_bin_dir() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl``, or ``None``."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        return Path(os.path.realpath(initdb)).parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
        reverse=True,
    )
    for candidate in candidates:
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    return None


def _run_as() -> list[str] | None:
    """Command prefix that runs a server binary as a non-root user."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return None
    return [runuser, "-u", "postgres", "--"] if runuser else None


def unavailable() -> str | None:
    """Why PostgreSQL tests cannot run here, or ``None`` when they can."""
    if importlib.util.find_spec("asyncpg") is None:
        return ASYNC_DRIVER_MISSING
    if find_bin_dir() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or under /usr/lib/postgresql/*/bin"
    if _run_as() is None:
        return "PostgreSQL refuses to run as root, and there is no 'postgres' user (or no runuser) to run it as"
    return None


@dataclass
class PgCluster:
    """A running throwaway cluster; :meth:`new_database` gives each test its own."""

    bin_dir: Path
    base: Path
    prefix: list[str]

    @classmethod
    def start(cls) -> PgCluster:
        bin_dir = find_bin_dir()
        prefix = _run_as()
        assert bin_dir is not None and prefix is not None, unavailable()
        base = Path(tempfile.mkdtemp(prefix="devussy-pg-"))
        if prefix:
            user = pwd.getpwnam("postgres")
            os.chown(base, user.pw_uid, user.pw_gid)
        cluster = cls(bin_dir, base, prefix)
        cluster._run(
            "initdb",
            "-D",
            str(base / "data"),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        )
        options = (
            f"-c listen_addresses='' -k {base} -p {_PORT} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        try:
            cluster._run(
                "pg_ctl",
                "-D",
                str(base / "data"),
                "-l",
                str(base / "server.log"),
                "-o",
                options,
                "-w",
                "-t",
                "30",
                "start",
            )
        except subprocess.CalledProcessError:
            log = (base / "server.log").read_text(errors="replace")[-2000:]
            shutil.rmtree(base, ignore_errors=True)
            raise RuntimeError(f"PostgreSQL did not start:\n{log}") from None
        return cluster

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(
            [*self.prefix, str(self.bin_dir / tool), *args],
            cwd=self.base,
            check=True,
            capture_output=True,
            timeout=60,
        )

    def new_database(self) -> str:
        """Create an empty database and return its async SQLAlchemy URL."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        self._run("createdb", "-h", str(self.base), "-p", str(_PORT), "-U", "postgres", name)
        return f"postgresql+asyncpg://postgres@/{name}?host={self.base}&port={_PORT}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.base / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.base, ignore_errors=True)
