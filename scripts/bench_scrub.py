"""Cost of the credential scrubber per interaction, with ``json.dumps`` of the same as reference.

    python scripts/bench_scrub.py [--rounds 5] [--number 300]

Three interactions (each timed copy with its own ids and message text) as the ``harness
record`` proxy and the pytest plugin see them (SDK
headers with a ``Bearer`` key, volatile headers to drop): an SDK modify-run request and its
run, a create-run whose response holds tool calls, and a streamed run (40 events). For each:
``clean_interaction`` (in place on a prepared copy, fresh :class:`Secrets`, as the record proxy
calls it), ``clean_request`` of the live request with a cassette's learned secrets (as the
plugin looks a request up in replay), and ``json.dumps`` of the interaction. Prints the best
round's CPU microseconds per call and the ratio to ``json.dumps``, which load from other jobs
shifts far less than the absolute figures, and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from typing import TypeVar

from harness.cassette.format import Interaction, Request, Response
from harness.cassette.scrub import Scrubber, Secrets, clean_interaction, clean_request

T = TypeVar("T")
KEY = "sk-proj-FAKEbenchFAKEbenchFAKEbench0123"
SDK_HEADERS = {
    "accept": "application/json",
    "accept-encoding": "gzip, deflate",
    "authorization": f"Bearer {KEY}",
    "connection": "keep-alive",
    "content-type": "application/json",
    "host": "127.0.0.1:8000",
    "openai-beta": "assistants=v2",
    "user-agent": "OpenAI/Python 1.54.0",
    "x-stainless-arch": "x64",
    "x-stainless-async": "false",
    "x-stainless-lang": "python",
    "x-stainless-os": "Linux",
    "x-stainless-package-version": "1.54.0",
    "x-stainless-retry-count": "0",
    "x-stainless-runtime": "CPython",
    "x-stainless-runtime-version": "3.12.3",
}
RESPONSE_HEADERS = {
    "content-type": "application/json",
    "date": "Thu, 03 Dec 2026 17:00:00 GMT",
    "openai-poll-after-ms": "0",
    "openai-processing-ms": "31",
    "x-request-id": "req_0123456789abcdef0123456789abcdef",
    "server": "uvicorn",
}
THREAD, RUN = "thread_8MOyC8qFWIuT9edHpLeEInk9", "run_tCVeKDb1RHJMCAXHq8mL4r18"


def run_object(status: str, tool_calls: int) -> dict[str, object]:
    calls = [
        {
            "function": {
                "arguments": json.dumps({"speak": 100 + n, "speech": True, "animal": "idea"}),
                "name": "get_idea",
            },
            "id": f"call_2qgy1IX7nKYcRaoULXRjAD{n:02d}",
            "type": "function",
        }
        for n in range(tool_calls)
    ]
    return {
        "assistant_id": "asst_00x16Ks7uI8QQ56aP3NnwQQA",
        "cancelled_at": None,
        "completed_at": None,
        "created_at": 1716052118,
        "expires_at": 1716052718,
        "failed_at": None,
        "id": RUN,
        "incomplete_details": None,
        "instructions": "Collection bad until our per leader change own education south run.",
        "last_error": None,
        "max_completion_tokens": None,
        "max_prompt_tokens": None,
        "metadata": {"reviewed": "yes"},
        "model": "gpt-4o-mini",
        "object": "thread.run",
        "parallel_tool_calls": True,
        "required_action": (
            {"submit_tool_outputs": {"tool_calls": calls}, "type": "submit_tool_outputs"}
            if calls
            else None
        ),
        "response_format": "auto",
        "started_at": 1716052135,
        "status": status,
        "temperature": 0.6,
        "thread_id": THREAD,
        "tool_choice": "auto",
        "tools": [
            {
                "function": {
                    "description": "Stand next though house where economic.",
                    "name": "get_idea",
                    "parameters": {
                        "properties": {
                            "animal": {"type": "string"},
                            "speak": {"type": "integer"},
                            "speech": {"type": "boolean"},
                        },
                        "required": ["speak"],
                        "type": "object",
                    },
                    "strict": False,
                },
                "type": "function",
            }
        ],
        "top_p": 0.45,
        "truncation_strategy": {"last_messages": None, "type": "auto"},
        "usage": None,
    }


def json_interaction(path: str, body: object, answer: object) -> Interaction:
    request = Request(method="POST", path=path, headers=dict(SDK_HEADERS), json=body, has_json=True)
    response = Response(
        status=200, reason="OK", headers=dict(RESPONSE_HEADERS), json=answer, has_json=True
    )
    return Interaction(request, response)


def stream_interaction() -> Interaction:
    events: list[dict[str, object]] = [
        {"event": "thread.run.created", "data": run_object("queued", 0)},
        {"event": "thread.run.in_progress", "data": run_object("in_progress", 0)},
    ]
    for n in range(36):
        events.append(
            {
                "event": "thread.message.delta",
                "data": {
                    "id": "msg_abc123abc123abc123abc123",
                    "object": "thread.message.delta",
                    "delta": {
                        "content": [{"index": 0, "type": "text", "text": {"value": f"word{n} "}}]
                    },
                },
            }
        )
    events.append({"event": "thread.run.completed", "data": run_object("completed", 0)})
    events.append({"event": "done", "text": "[DONE]"})
    interaction = json_interaction(
        f"/v1/threads/{THREAD}/runs",
        {"assistant_id": "asst_00x16Ks7uI8QQ56aP3NnwQQA", "stream": True},
        None,
    )
    response = interaction.response
    response.json, response.has_json, response.events = None, False, events
    response.headers["content-type"] = "text/event-stream; charset=utf-8"
    return interaction


CASES = {
    "modify run": json_interaction(
        f"/v1/threads/{THREAD}/runs/{RUN}",
        {"metadata": {"reviewed": "yes"}},
        run_object("in_progress", 0),
    ),
    "create run, tool calls": json_interaction(
        f"/v1/threads/{THREAD}/runs",
        {"assistant_id": "asst_00x16Ks7uI8QQ56aP3NnwQQA", "tool_choice": "required"},
        run_object("requires_action", 3),
    ),
    "streamed run (40 events)": stream_interaction(),
}


def varied(interaction: Interaction, number: int) -> Interaction:
    """A copy with its own ids and text, as each new request of a recording has (the
    scrubber remembers strings it has seen clean; the same copy each time would flatter it)."""
    text = json.dumps(interaction.to_dict())
    for fixed in ("8MOyC8qF", "tCVeKDb1", "2qgy1IX7", "00x16Ks7", "abc123ab", "word"):
        text = text.replace(fixed, f"{fixed[:-6]}{number:06d}")
    data = json.loads(text)
    return Interaction(
        Request.from_dict(data["request"], "request"),
        Response.from_dict(data["response"], "response"),
    )


def best_us(work: Callable[[T], object], items: list[T], rounds: int) -> float:
    """Best round's CPU microseconds per call of ``work`` on one of ``items`` (each used once)."""
    best, size = float("inf"), len(items) // rounds
    for n in range(rounds):
        batch = items[n * size : (n + 1) * size]
        start = time.process_time()
        for item in batch:
            work(item)
        best = min(best, time.process_time() - start)
    return best / size * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--number", type=int, default=300)
    args = parser.parse_args()
    scrubber = Scrubber()
    count = args.number * args.rounds
    print(f"{'interaction':28} {'clean_interaction':>18} {'clean_request':>14} {'json.dumps':>11}")
    for name, interaction in CASES.items():
        learned = Secrets()
        clean_interaction(interaction, scrubber, learned)  # a cassette's secrets, for replay
        reference = best_us(lambda i: json.dumps(i.to_dict()), [interaction] * count, args.rounds)
        cleaned = best_us(
            lambda i: clean_interaction(i, scrubber, in_place=True),
            [varied(interaction, n) for n in range(count)],
            args.rounds,
        )
        looked_up = best_us(
            lambda r: clean_request(r, scrubber, in_place=True, secrets=learned),  # noqa: B023
            [varied(interaction, n).request for n in range(count)],
            args.rounds,
        )
        print(
            f"{name:28} {cleaned:8.1f} us {cleaned / reference:5.1f}x"
            f" {looked_up:6.1f} us {looked_up / reference:4.1f}x {reference:7.1f} us"
        )
    print("(CPU time, best round; Nx = time / json.dumps of the same interaction)")
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
