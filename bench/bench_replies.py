"""Model replies as real models write them: acceptance per stage, and parser cost.

Prints figures, asserts nothing. Run from the repository root:

    .venv/bin/python bench/bench_replies.py [--repeat 200]

1. Every reply of the corpus (``fixtures/llm/<stage>/``, see
   ``tests/support/reply_corpus.py``) is served by the scripted
   OpenAI-compatible server through litellm's real HTTP path to
   ``pipeline.ask`` with the stage's parser (3 attempts, the same reply every
   time). Per stage: usable replies accepted on the first request / usable;
   unusable replies refused after re-asking / unusable; unusable replies
   accepted (they would have been committed: must be 0).
2. Parser cost of a 7-phase run: the largest usable reply of each stage
   (complexity, design, validation, outline, handoff-next once; phase seven
   times) through what ``ask`` runs on a reply (reasoning removal, the
   truncation/empty check, the parser). Median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from devussy_git.errors import InvalidLLMOutputError  # noqa: E402
from devussy_git.llm import LiteLLMClient, aclose_litellm  # noqa: E402
from devussy_git.pipeline.ask import ask  # noqa: E402
from devussy_git.plan.textutil import strip_reasoning  # noqa: E402
from tests.support.llm_server import ScriptedLLMServer, Text  # noqa: E402
from tests.support.reply_corpus import PARSERS, CorpusReply, corpus  # noqa: E402

ATTEMPTS = 3
MESSAGES = [{"role": "system", "content": "You plan."}, {"role": "user", "content": "go"}]


async def acceptance() -> None:
    rows: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    with ScriptedLLMServer() as server:
        for reply in corpus():
            server.reset()
            server.route(lambda body, r=reply: Text(r.text, finish_reason=r.finish_reason))
            client = LiteLLMClient(server.profile(), wait_initial_s=0.001)
            row = rows[reply.stage]
            row["usable" if reply.usable else "unusable"] += 1
            try:
                answer = await ask(client, stage=reply.stage, messages=MESSAGES, context={},
                                   parse=PARSERS[reply.stage], attempts=ATTEMPTS)
            except InvalidLLMOutputError:
                if not reply.usable:
                    row["refused"] += 1
                else:
                    print(f"  refused a usable reply: {reply.name}")
                continue
            if reply.usable:
                row["first"] += 1 if answer.attempts == 1 else 0
            else:
                row["wrong"] += 1
                print(f"  ACCEPTED AN UNUSABLE REPLY: {reply.name}")
        await aclose_litellm()
    print("| stage | usable accepted first try | unusable refused cleanly | unusable accepted |")
    print("|---|---|---|---|")
    total: dict[str, int] = defaultdict(int)
    for stage in PARSERS:
        row = rows[stage]
        for key, value in row.items():
            total[key] += value
        print(f"| {stage} | {row['first']}/{row['usable']} | {row['refused']}/{row['unusable']} | "
              f"{row['wrong']} |")
    print(f"| **all** | {total['first']}/{total['usable']} | {total['refused']}/{total['unusable']} | "
          f"{total['wrong']} |")


def largest(stage: str) -> CorpusReply:
    return max((r for r in corpus(stage) if r.usable), key=lambda r: len(r.text))


def parse_cost(repeat: int) -> None:
    run = [largest(s) for s in ("complexity", "design", "validation", "outline", "handoff")]
    run += [largest("phase")] * 7
    texts = [(PARSERS[r.stage], r.text) for r in run]
    for parse, text in texts:  # warm caches and lazy imports once
        parse(strip_reasoning(text))
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for parse, text in texts:
            cleaned = strip_reasoning(text)
            if cleaned.strip():
                parse(cleaned)
        times.append(time.perf_counter() - start)
    chars = sum(len(text) for _, text in texts)
    without_handoff = [(p, t) for (p, t), r in zip(texts, run, strict=True) if r.stage != "handoff"]
    times_pipeline = []
    for _ in range(repeat):
        start = time.perf_counter()
        for parse, text in without_handoff:
            parse(strip_reasoning(text))
        times_pipeline.append(time.perf_counter() - start)
    print(f"parsing every reply of a 7-phase run ({len(texts)} replies, {chars:,} characters, "
          f"median of {repeat}): {statistics.median(times) * 1000:.2f} ms "
          f"(pipeline stages alone: {statistics.median(times_pipeline) * 1000:.2f} ms; "
          "handoff-next includes applying and checking the edits)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    asyncio.run(acceptance())
    parse_cost(args.repeat)


if __name__ == "__main__":
    main()
