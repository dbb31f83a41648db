"""Which client drives the queue faster here: azure.storage.queue.aio (one event loop) or sync clients in threads?

Receive a batch of 16, delete each message; the same backlog for both, on one Azurite started on free ports.

    .venv/bin/python bench/clients.py [--messages 600] [--threads 8]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from azure.storage.queue import QueueClient
from azure.storage.queue.aio import QueueClient as AsyncQueueClient
from report import figure

from emulator import azurite

BATCH = 16


def fill(conn: str, queue: str, count: int) -> None:
    client = QueueClient.from_connection_string(conn, queue)
    client.create_queue()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: client.send_message("eA=="), range(count)))


async def async_drain(conn: str, queue: str, count: int) -> float:
    done = 0
    async with AsyncQueueClient.from_connection_string(conn, queue) as client:

        async def worker() -> None:
            nonlocal done
            while done < count:
                async for page in client.receive_messages(messages_per_page=BATCH, max_messages=BATCH).by_page():
                    messages = [m async for m in page]
                    await asyncio.gather(*(client.delete_message(m) for m in messages))
                    done += len(messages)
                    break

        started = time.perf_counter()
        await asyncio.gather(worker(), worker())
        return count / (time.perf_counter() - started)


def sync_drain(conn: str, queue: str, count: int, threads: int) -> float:
    client = QueueClient.from_connection_string(conn, queue)
    done = 0
    started = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        while done < count:
            messages = list(next(client.receive_messages(messages_per_page=BATCH, max_messages=BATCH).by_page()))
            list(pool.map(client.delete_message, messages))
            done += len(messages)
    return count / (time.perf_counter() - started)


def main(messages: int, threads: int) -> None:
    root = Path(tempfile.mkdtemp(prefix="exchange-bench-"))
    proc = azurite.start(root / "azurite")
    conn = proc.endpoints.connection_string
    try:
        for round_ in range(2):
            fill(conn, f"async-{round_}", messages)
            rate_async = asyncio.run(async_drain(conn, f"async-{round_}", messages))
            fill(conn, f"sync-{round_}", messages)
            rate_sync = sync_drain(conn, f"sync-{round_}", messages, threads)
            print(f"receive+delete: aio {rate_async:6.1f} msg/s, sync x{threads} threads {rate_sync:6.1f} msg/s")
        figure("receive+delete, aio client, msg/s", rate_async, "msg/s", baseline=rate_sync,
               baseline_name=f"sync x{threads} threads")  # fmt: skip
    finally:
        proc.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    main(args.messages, args.threads)
