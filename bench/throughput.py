"""Emulator overhead: a pass-through queue function on the emulator vs a raw SDK loop doing the same work.

Both run against one Azurite (started here on free ports), in one process, on the same backlog: receive a batch,
send each message body on to another queue, delete it. Then the pickup latency of an idle queue: send_message →
the function starts (median of 20, random idle gaps so the send lands anywhere in the polling cycle).

    .venv/bin/python bench/throughput.py [--messages 800] [--rounds 20] [--repeats 4]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import random
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from azure.storage.queue.aio import QueueClient
from report import figure

from emulator import azurite
from emulator.app.deployment import load_deployment
from emulator.journal.store import Journal
from emulator.runtime.host import Host

APP = Path(__file__).resolve().parents[1] / "tests" / "emulator" / "apps" / "passthrough"
BATCH = 16


async def fill(conn: str, queue: str, count: int) -> None:
    """Put ``count`` base64 messages of ~200 bytes on a fresh ``queue``."""
    async with QueueClient.from_connection_string(conn, queue) as client:
        await client.create_queue()
        body = base64.b64encode(json.dumps({"payload": "x" * 140, "n": 0}).encode()).decode()
        for start in range(0, count, 32):
            await asyncio.gather(*(client.send_message(body) for _ in range(min(32, count - start))))


async def raw_loop(conn: str, source: str, target: str, count: int, **client_options: Any) -> float:
    """Messages per second of a hand-written receive → send on → delete loop with the host's concurrency.

    Like the host: receive a batch of 16, and receive again whenever no more than 8 are in flight.
    ``client_options`` go to both clients (e.g. ``use_env_settings=False``, as the host's own clients of a local
    endpoint are configured).
    """
    done = 0
    in_flight: set[asyncio.Task[None]] = set()
    async with (
        QueueClient.from_connection_string(conn, source, **client_options) as src,
        QueueClient.from_connection_string(conn, target, **client_options) as dst,
    ):
        await dst.create_queue()

        async def handle(message: Any) -> None:
            nonlocal done
            body = base64.b64decode(message.content)
            await dst.send_message(base64.b64encode(body).decode())
            await src.delete_message(message)
            done += 1

        started = time.perf_counter()
        while done < count:
            if len(in_flight) > BATCH // 2:
                await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                continue
            async for page in src.receive_messages(
                messages_per_page=BATCH, max_messages=BATCH, visibility_timeout=30
            ).by_page():
                for message in [m async for m in page]:
                    task = asyncio.create_task(handle(message))
                    in_flight.add(task)
                    task.add_done_callback(in_flight.discard)
                break
            if not in_flight:
                await asyncio.sleep(0.01)
        return count / (time.perf_counter() - started)


async def emulator_run(conn: str, app: Path, count: int) -> float:
    """Messages per second of the pass-through function on the emulator."""
    host = Host(load_deployment(app), storage=conn, journal=Journal(app / ".exchange" / "journal.db"))
    host.functions  # index before the clock starts  # noqa: B018
    started = time.perf_counter()
    await host.start()
    poller = host.pollers["passthrough"]
    while poller.stats.succeeded < count:
        await asyncio.sleep(0.01)
    rate = count / (time.perf_counter() - started)
    await host.stop()
    return rate


async def pickup_latency(conn: str, app: Path, queue: str, rounds: int) -> list[float]:
    """Seconds from send_message on an idle queue to the function's start, ``rounds`` times."""
    journal = Journal(app / ".exchange" / "latency.db")
    host = Host(load_deployment(app), storage=conn, journal=journal)
    await host.start()
    latencies: list[float] = []
    async with QueueClient.from_connection_string(conn, queue) as client:
        for _ in range(rounds):
            await asyncio.sleep(random.uniform(0.5, 1.5))  # let the poller back off to its idle interval
            seen = len(journal.read(kinds=["invocation.start"], limit=10_000))
            sent = datetime.now(UTC)
            await client.send_message(base64.b64encode(b"ping").decode())
            while True:
                journal.flush()
                starts = journal.read(kinds=["invocation.start"], limit=10_000)
                if len(starts) > seen:
                    latencies.append((starts[-1].at - sent).total_seconds())
                    break
                await asyncio.sleep(0.005)
    await host.stop()
    journal.close()
    return latencies


def deploy(root: Path, name: str, source: str, target: str) -> Path:
    app = root / name
    shutil.copytree(APP, app)
    (app / "host.json").write_text('{"version": "2.0"}')
    values = {"IN_QUEUE": source, "OUT_QUEUE": target}
    (app / "local.settings.json").write_text(json.dumps({"Values": values}))
    return app


async def throughput_round(conn: str, root: Path, messages: int, index: int) -> tuple[float, float]:
    """One raw run and one emulator run on the same backlog size (alternating which goes first)."""

    async def raw() -> float:
        await fill(conn, "raw-in", messages)
        try:
            return await raw_loop(conn, "raw-in", "raw-out", messages)
        finally:
            await _delete(conn, "raw-in", "raw-out")

    async def emu() -> float:
        await fill(conn, "emu-in", messages)
        try:
            return await emulator_run(conn, deploy(root, f"app{index}", "emu-in", "emu-out"), messages)
        finally:
            await _delete(conn, "emu-in", "emu-out")

    if index % 2:
        emu_rate = await emu()
        return await raw(), emu_rate
    raw_rate = await raw()
    return raw_rate, await emu()


async def main(messages: int, rounds: int, repeats: int) -> None:
    root = Path(tempfile.mkdtemp(prefix="exchange-bench-"))
    proc = azurite.start(root / "azurite")
    conn = proc.endpoints.connection_string
    results: list[tuple[float, float]] = []
    try:
        for index in range(repeats):
            results.append(await throughput_round(conn, root, messages, index))
            raw, emu = results[-1]
            print(f"  round {index + 1}: raw {raw:6.1f} msg/s, emulator {emu:6.1f} msg/s, ratio {emu / raw:.2f}")
        latencies = await pickup_latency(conn, deploy(root, "idle", "idle-in", "idle-out"), "idle-in", rounds)
    finally:
        proc.stop()
        shutil.rmtree(root, ignore_errors=True)
    ratios = [emu / raw for raw, emu in results]
    print(f"backlog {messages} messages, pass-through (receive, send on, delete), {repeats} alternating rounds:")
    print(f"  raw SDK loop (async, same batching): median {statistics.median(r for r, _ in results):6.1f} msg/s")
    print(f"  emulator (sync function):            median {statistics.median(e for _, e in results):6.1f} msg/s")
    print(
        f"  ratio emulator/raw: median {statistics.median(ratios):.2f} (min {min(ratios):.2f}, max {max(ratios):.2f})"
    )
    figure(
        "in-process host pass-through, msg/s",
        statistics.median(e for _, e in results),
        "msg/s",
        baseline=statistics.median(r for r, _ in results),
        baseline_name="async SDK loop",
        ratio=statistics.median(ratios),
        target=">= 0.95x",
        holds=statistics.median(ratios) >= 0.95,
    )
    figure("pickup latency, idle queue (median)", statistics.median(latencies) * 1000, "ms")
    print(
        f"pickup latency on an idle queue ({rounds} sends): median {statistics.median(latencies) * 1000:.0f} ms, "
        f"p90 {sorted(latencies)[int(0.9 * len(latencies))] * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
    )


async def _delete(conn: str, *queues: str) -> None:
    for queue in queues:
        async with QueueClient.from_connection_string(conn, queue) as client:
            await client.delete_queue()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=800)
    parser.add_argument("--rounds", type=int, default=20, help="pickup latency samples")
    parser.add_argument("--repeats", type=int, default=4, help="alternating throughput rounds")
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.rounds, args.repeats))
