"""The job queue adapter: runs handed to workers through procrastinate on PostgreSQL.

Used when ``DEVUSSY_EXECUTOR=queue``. procrastinate and psycopg are imported only
here (and only when the queue is used). What a job does is not known here: the
worker passes in the handler (``services.worker``), so this adapter depends on
nothing of the package but its errors.

- Each run is one job of the ``devussy.run`` task on its project's node's queue
  (``node-<name>``: only that node's workers have its repository), deferred with the lock
  ``project:<id>``: procrastinate's database refuses to run two jobs holding one
  lock at once, so two jobs of a project never overlap, across workers and
  machines, and they run in submission order.
- No engine retries: a job that fails is a failed run, which the user resumes. A
  worker that stops (killed, machine gone) stops sending heartbeats; every worker
  looks for such stalled jobs (:meth:`JobQueue.retry_stalled`) and puts them back,
  and the handler resumes the run from its last committed stage.
- Each handoff-next step is one job of the ``devussy.step`` task on the same queue with
  the same lock, so a project's steps and runs share one line.
"""

from __future__ import annotations

from devussy_git.jobqueue.queue import (
    MOVE_TASK,
    RUN_CHANNEL,
    RUN_QUEUE,
    RUN_TASK,
    STEP_TASK,
    JobHandler,
    JobQueue,
    RunHandler,
    StepHandler,
    conninfo_of,
    node_queue,
)

__all__ = [
    "MOVE_TASK",
    "RUN_CHANNEL",
    "RUN_QUEUE",
    "RUN_TASK",
    "STEP_TASK",
    "JobHandler",
    "JobQueue",
    "RunHandler",
    "StepHandler",
    "conninfo_of",
    "node_queue",
]
