"""Bench: handoff-next overhead without the LLM, prompt and reply size, revert time.

Prints, in one run:

1. The overhead of one handoff-next step excluding the model (select + context
   + parse + patch + ritual + commit + diff), median over the measured steps,
   on a big plan (7 phases x 150 tasks) with 10 and with 1,000 prior steps,
   and their ratio. The model is the offline provider, whose reply costs
   microseconds; a per-stage breakdown at 1,000 steps follows.
2. Prompt size per step vs the naive prompt (the same instructions with the
   whole devplan + phase + handoff files instead of the slices), and the reply
   size vs rewriting those files whole, on a 7-phase plan made by the offline
   pipeline (fixtures/interviews/newsletter-pipeline.json). Tokens are counted
   with tiktoken's cl100k_base from the files litellm bundles (no network);
   when that is unavailable, as characters / 4 (said in the output).
3. Revert of the newest step: median of the store's revert and of the whole
   ``services.revert`` use case.

Run: ``.venv/bin/python bench/bench_handoff.py [--prior 1000] [--measure 30]``
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from devussy_git import services  # noqa: E402
from devussy_git.agent.context import build_context  # noqa: E402
from devussy_git.agent.landing import land, plan_files_at, step_subject  # noqa: E402
from devussy_git.agent.reply import apply_reply, parse_reply  # noqa: E402
from devussy_git.agent.ritual import record, refresh  # noqa: E402
from devussy_git.agent.selection import select_task  # noqa: E402
from devussy_git.agent.step import run_step  # noqa: E402
from devussy_git.app import build_app  # noqa: E402
from devussy_git.config import Settings  # noqa: E402
from devussy_git.llm import OfflineClient  # noqa: E402
from devussy_git.llm.offline.replies import offline_reply  # noqa: E402
from devussy_git.pipeline.prompts import build_messages  # noqa: E402
from devussy_git.plan.complexity import ComplexityProfile  # noqa: E402
from devussy_git.plan.compose import render_handoff, render_plan_files  # noqa: E402
from devussy_git.plan.files import read_phases  # noqa: E402
from devussy_git.plan.model import Phase, Plan, Task  # noqa: E402
from devussy_git.services import handoff_next  # noqa: E402
from devussy_git.store import Identity, PlanRepo, PlanStore  # noqa: E402

AUTHOR = Identity("Bench Person", "bench@example.invalid")
ACTOR = services.Actor("cli", "bench", "Bench Person", "bench@example.invalid")


def token_counter() -> tuple[Callable[[str], int], str]:
    """cl100k_base from litellm's bundled tiktoken files, else characters / 4."""
    spec = importlib.util.find_spec("litellm")
    if spec is not None and spec.origin is not None:
        bundled = Path(spec.origin).parent / "litellm_core_utils" / "tokenizers"
        if bundled.is_dir():
            os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(bundled))
            try:
                import tiktoken

                encoding = tiktoken.get_encoding("cl100k_base")
            except Exception as exc:  # noqa: BLE001 - any failure means "use the estimate"
                print(f"(tiktoken unavailable: {type(exc).__name__}; using chars/4)")
            else:
                return (lambda text: len(encoding.encode(text))), "tiktoken cl100k_base"
    return (lambda text: (len(text) + 3) // 4), "chars/4 estimate"


def big_plan(phases: int = 7, per_phase: int = 150) -> Plan:
    return Plan(
        "bench",
        "Bench Shop",
        "A big plan to measure handoff-next against a long history.",
        tuple(
            Phase(
                n,
                f"Phase {n} work",
                f"Everything of phase {n}.",
                tuple(
                    Task(f"{n}.{m}", f"Implement feature {n}.{m} of the shop", (f"detail of {n}.{m}",))
                    for m in range(1, per_phase + 1)
                ),
            )
            for n in range(1, phases + 1)
        ),
        ComplexityProfile(score=9.0, phase_count=phases, depth="detailed"),
    )


def new_repo(root: Path, plan: Plan) -> PlanRepo:
    repo = PlanStore(root).create("bench")
    files = {**render_plan_files(plan), "handoff.md": render_handoff(plan)}
    files["project_design.md"] = "# Project Design\n\n- The shop features are built one by one.\n"
    repo.commit(files, "handoff: write handoff prompt", author=AUTHOR, expected_head=None)
    return repo


async def timed_steps(repo: PlanRepo, count: int) -> list[float]:
    client = OfflineClient()
    out = []
    for i in range(count):
        started = time.perf_counter()
        await run_step(repo, client, author=AUTHOR, actor="cli:bench", note=f"step {i} done")
        out.append(time.perf_counter() - started)
    return out


def breakdown(repo: PlanRepo) -> dict[str, float]:
    """One step's stages timed separately (synchronously, offline reply)."""
    marks: dict[str, float] = {}
    t = time.perf_counter()
    head = repo.head()
    assert head is not None
    files = plan_files_at(repo, head)
    marks["read files"] = time.perf_counter() - t
    t = time.perf_counter()
    selection = select_task(read_phases(files), handoff=files["handoff.md"])
    context = build_context(files, selection, "note")
    messages = build_messages("handoff_next", context.values)
    marks["select + context"] = time.perf_counter() - t
    text = offline_reply("handoff-next", context.offline)
    t = time.perf_counter()
    applied = apply_reply({p: files[p] for p in context.allowed_files}, parse_reply(text))
    marks["parse + patch"] = time.perf_counter() - t
    t = time.perf_counter()
    content = record({**files, **applied.files}, selection.task, summary=applied.reply.summary,
                     blocked=False, touched=applied.touched)
    refresh(content, selection.task.id)
    marks["ritual"] = time.perf_counter() - t
    t = time.perf_counter()
    landing = land(repo, base_head=head, base_files=files, content=content, task_id=selection.task.id,
                   done=True, subject=step_subject(selection.task.id, applied.reply.summary),
                   trailers=[("Devussy-Task", selection.task.id)], author=AUTHOR)
    marks["land (ritual + commit)"] = time.perf_counter() - t
    t = time.perf_counter()
    repo.diff_commit(landing.commit.sha)
    marks["diff"] = time.perf_counter() - t
    assert messages
    return marks


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


async def overhead(prior: int, measure: int) -> None:
    print(f"== 1. handoff-next overhead without the LLM (7 phases x 150 tasks; {measure} steps measured)")
    with tempfile.TemporaryDirectory() as short_dir, tempfile.TemporaryDirectory() as long_dir:
        histories = {10: new_repo(Path(short_dir), big_plan()), prior: new_repo(Path(long_dir), big_plan())}
        for count, repo in histories.items():
            started = time.perf_counter()
            await timed_steps(repo, count)
            print(f"  built {count} prior steps in {time.perf_counter() - started:.1f} s")
        # Alternate the two projects step by step so machine noise hits both alike.
        times: dict[int, list[float]] = {count: [] for count in histories}
        for _ in range(measure):
            for count, repo in histories.items():
                times[count] += await timed_steps(repo, 1)
        for count, values in times.items():
            ordered = sorted(values)
            print(f"  {count:>5} prior steps: median {ms(statistics.median(values))}, "
                  f"p90 {ms(ordered[int(0.9 * len(ordered)) - 1])}")
        parts: dict[str, list[float]] = {}
        for _ in range(15):
            for name, value in breakdown(histories[prior]).items():
                parts.setdefault(name, []).append(value)
        print(f"  breakdown at {prior} prior steps (medians, synchronous):")
        for name, values in parts.items():
            print(f"    {name:<24} {ms(statistics.median(values))}")
        ratio = statistics.median(times[prior]) / statistics.median(times[10])
        print(f"  ratio {prior} vs 10 prior steps: {ratio:.2f}")


async def sizes(count_tokens: Callable[[str], int], how: str, steps: int = 20) -> None:
    print(f"== 2. prompt and reply size on a 7-phase plan ({how}; {steps} steps)")
    with tempfile.TemporaryDirectory() as tmp:
        app = await build_app(Settings(repos_root=Path(tmp) / "repos",
                                       database_url=f"sqlite+aiosqlite:///{tmp}/db.sqlite"))
        try:
            answers = json.loads((ROOT / "fixtures/interviews/newsletter-pipeline.json").read_text("utf-8"))
            await services.create_project(app, "news", answers, actor=ACTOR)
            await services.run_project(app, "news", actor=ACTOR)
            repo = app.store.open("news")
            prompt_ratio, reply_ratio, ours_tokens, naive_tokens = [], [], [], []
            context_ratio: list[float] = []
            slice_keys = ("next_task_group", "phase_tasks", "phase_outcomes", "quick_status",
                          "handoff_notes", "design_lines", "task_details")
            for i in range(steps):
                files = plan_files_at(repo, "main")
                selection = select_task(read_phases(files), handoff=files["handoff.md"])
                context = build_context(files, selection, f"step {i}: done as planned")
                ours = build_messages("handoff_next", context.values)
                whole = dict(context.values)
                whole.update(
                    next_task_group=files["devplan.md"], phase_tasks=files[selection.phase_file],
                    phase_outcomes="", quick_status=files["handoff.md"], handoff_notes="",
                    design_lines="",
                )
                naive = build_messages("handoff_next", whole)
                a = sum(count_tokens(m["content"]) for m in ours)
                b = sum(count_tokens(m["content"]) for m in naive)
                ours_tokens.append(a)
                naive_tokens.append(b)
                prompt_ratio.append(a / b)
                slices = sum(count_tokens(context.values[k]) for k in slice_keys)
                whole_files = sum(count_tokens(files[p]) for p in
                                  ("devplan.md", selection.phase_file, "handoff.md"))
                context_ratio.append(slices / whole_files)
                reply = offline_reply("handoff-next", context.offline)
                result = await handoff_next(app, "news", actor=ACTOR, note=f"step {i}: done as planned")
                after = plan_files_at(repo, result.commit.sha)
                rewrite = "".join(after[f.path] for f in result.diff.files)
                reply_ratio.append(count_tokens(reply) / count_tokens(rewrite))
            print(f"  prompt: ours median {statistics.median(ours_tokens):.0f} tokens, naive "
                  f"{statistics.median(naive_tokens):.0f}; ratio median "
                  f"{statistics.median(prompt_ratio):.1%} (max {max(prompt_ratio):.1%}; "
                  f"last step {prompt_ratio[-1]:.1%})")
            fixed = sum(count_tokens(m["content"]) for m in build_messages(
                "handoff_next", {k: "" for k in context.values}))
            print(f"  of which the prompt file's fixed instructions (same in both): {fixed} tokens")
            print(f"  context only (slices vs the whole devplan + phase + handoff files): ratio median "
                  f"{statistics.median(context_ratio):.1%} (max {max(context_ratio):.1%})")
            print(f"  reply vs whole-file rewrite of the changed files: ratio median "
                  f"{statistics.median(reply_ratio):.1%} (max {max(reply_ratio):.1%})")
        finally:
            await app.close()


async def reverts(measure: int) -> None:
    print(f"== 3. revert of the newest step ({measure} reverts, 50 prior steps)")
    with tempfile.TemporaryDirectory() as tmp:
        app = await build_app(Settings(repos_root=Path(tmp) / "repos",
                                       database_url=f"sqlite+aiosqlite:///{tmp}/db.sqlite"))
        try:
            new_repo(Path(tmp) / "repos", big_plan())
            repo = app.store.open("bench")
            await timed_steps(repo, 50)
            store_times, service_times = [], []
            for i in range(measure):
                await timed_steps(repo, 1)
                newest = repo.head()
                assert newest is not None
                if i % 2:
                    started = time.perf_counter()
                    repo.revert(newest, author=AUTHOR, trailers=[("Devussy-Stage", "revert")],
                                expected_head=newest)
                    store_times.append(time.perf_counter() - started)
                else:
                    started = time.perf_counter()
                    await services.revert(app, "bench", actor=ACTOR)
                    service_times.append(time.perf_counter() - started)
            print(f"  PlanRepo.revert median {ms(statistics.median(store_times))}; "
                  f"services.revert (use case, incl. diff) median {ms(statistics.median(service_times))}")
        finally:
            await app.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prior", type=int, default=1000)
    parser.add_argument("--measure", type=int, default=30)
    args = parser.parse_args()
    count_tokens, how = token_counter()
    await overhead(args.prior, args.measure)
    await sizes(count_tokens, how)
    await reverts(args.measure)


if __name__ == "__main__":
    asyncio.run(main())
