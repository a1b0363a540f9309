"""Interview sessions held in Discord threads, kept across bot restarts.

A session records who is being interviewed, in which thread, for which
project, and the answers so far; at most one session per thread is open.
Which question comes next is the interview model's business (``plan/``),
worked out from the answers: this module never validates answers.
"""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from devussy_git.db._checks import check_json, check_snowflake, check_text
from devussy_git.db.engine import Gateway
from devussy_git.db.records import InterviewSession
from devussy_git.db.schema import PROJECT_ID_LEN, interviews, projects
from devussy_git.errors import ConflictError, NotFoundError

__all__ = ["InterviewRepo"]


def _record(row: sa.Row[Any]) -> InterviewSession:
    return InterviewSession(
        session_id=row.session_id,
        guild_id=row.guild_id,
        thread_id=row.thread_id,
        user_id=row.user_id,
        project_id=row.project_id,
        answers=dict(row.answers or {}),
        state=row.state,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class InterviewRepo:
    """Open, find, update and close interview sessions."""

    def __init__(self, gateway: Gateway) -> None:
        self._gw = gateway

    async def open(self, guild_id: int | None, thread_id: int, user_id: int, project_id: str) -> InterviewSession:
        """Start a session with no answers.

        :class:`NotFoundError` for an unknown project; :class:`ConflictError`
        when the thread already has an open session.
        """
        check_snowflake(guild_id, "guild id", optional=True)
        check_snowflake(thread_id, "thread id")
        check_snowflake(user_id, "user id")
        check_text(project_id, "project id", PROJECT_ID_LEN)
        session_id = secrets.token_hex(6)
        async with self._gw.write(conflict=f"thread {thread_id} already has an interview in progress") as conn:
            known = await conn.scalar(sa.select(projects.c.project_id).where(projects.c.project_id == project_id))
            if known is None:
                raise NotFoundError(f"project {project_id} not found")
            now = self._gw.now()
            await conn.execute(
                interviews.insert().values(
                    session_id=session_id,
                    guild_id=guild_id,
                    thread_id=thread_id,
                    user_id=user_id,
                    project_id=project_id,
                    answers={},
                    state="open",
                    created_at=now,
                    updated_at=now,
                )
            )
            return await self._load(conn, session_id)

    async def get(self, session_id: str) -> InterviewSession | None:
        """The session, or ``None``."""
        async with self._gw.read() as conn:
            row = (await conn.execute(sa.select(interviews).where(interviews.c.session_id == session_id))).one_or_none()
        return None if row is None else _record(row)

    async def by_thread(self, thread_id: int) -> InterviewSession | None:
        """The thread's open session, else its newest closed one, else ``None``."""
        async with self._gw.read() as conn:
            row = (
                await conn.execute(
                    sa.select(interviews)
                    .where(interviews.c.thread_id == thread_id)
                    .order_by((interviews.c.state == "open").desc(), interviews.c.seq.desc())
                    .limit(1)
                )
            ).one_or_none()
        return None if row is None else _record(row)

    async def save_answers(self, session_id: str, answers: dict[str, Any]) -> InterviewSession:
        """Replace the answers of an open session."""
        copied = check_json(answers, "answers")
        return await self._change(session_id, "save answers to it", answers=copied)

    async def complete(self, session_id: str) -> InterviewSession:
        """``open -> complete``."""
        return await self._change(session_id, "complete it", state="complete")

    async def cancel(self, session_id: str) -> InterviewSession:
        """``open -> cancelled``."""
        return await self._change(session_id, "cancel it", state="cancelled")

    async def end_idle(self, *, before: Any, dry_run: bool = False) -> list[str]:
        """Cancel open sessions not touched since ``before``; their ids."""
        idle = sa.select(interviews.c.session_id).where(interviews.c.state == "open", interviews.c.updated_at < before)
        async with self._gw.write() as conn:
            ids = list((await conn.scalars(idle.order_by(interviews.c.seq))).all())
            if ids and not dry_run:
                await conn.execute(
                    interviews.update()
                    .where(interviews.c.session_id.in_(ids), interviews.c.state == "open")
                    .values(state="cancelled", updated_at=self._gw.now())
                )
        return ids

    async def _change(self, session_id: str, action: str, **values: Any) -> InterviewSession:
        async with self._gw.write() as conn:
            state = await conn.scalar(
                sa.select(interviews.c.state).where(interviews.c.session_id == session_id).with_for_update()
            )
            if state is None:
                raise NotFoundError(f"interview {session_id} not found")
            if state != "open":
                raise ConflictError(f"interview {session_id} is {state}: cannot {action}")
            await conn.execute(
                interviews.update()
                .where(interviews.c.session_id == session_id)
                .values(updated_at=self._gw.now(), **values)
            )
            return await self._load(conn, session_id)

    @staticmethod
    async def _load(conn: AsyncConnection, session_id: str) -> InterviewSession:
        row = (await conn.execute(sa.select(interviews).where(interviews.c.session_id == session_id))).one()
        return _record(row)
