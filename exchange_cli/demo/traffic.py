"""Sample traffic for the demo: a few coffee orders posted to the order endpoint, one of them bad."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: The sample orders, in the order they are sent. Order 4 has no drink_type: the coffee_order processor fails it
#: for good, and it ends on the dead-letter queue.
SAMPLE_ORDERS: tuple[dict[str, Any], ...] = (
    {"id": 1, "drink_type": "latte", "size": "large", "customer": "Ada"},
    {"id": 2, "drink_type": "espresso", "customer": "Grace"},
    {"id": 3, "drink_type": "cappuccino", "size": "small", "customer": "Linus"},
    {"id": 4, "size": "medium", "customer": "Ken"},
    {"id": 5, "drink_type": "mocha", "customer": "Barbara"},
)
#: Seconds between two orders: slow enough to watch, quick enough to be done in a few seconds.
SPACING_S = 0.8
#: How long a failed post waits for the demo to say it is stopping before the failure is reported.
STOPPING_GRACE_S = 5.0


@dataclass(frozen=True)
class Sent:
    """One order posted, and what the endpoint answered."""

    #: The order as posted.
    order: dict[str, Any]
    #: The HTTP status (0 when nothing answered).
    status: int
    #: The response body (JSON when the endpoint answered), or the connection error.
    response: Any


def post_order(url: str, order: dict[str, Any], timeout: float = 10.0) -> Sent:
    """POST ``order`` as JSON to ``url``, as ``curl -X POST URL -d '{...}'`` would."""
    body = json.dumps(order).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Sent(order, response.status, _json(response.read()))
    except urllib.error.HTTPError as error:  # 4xx/5xx: the endpoint answered
        return Sent(order, error.code, _json(error.read()))
    except (urllib.error.URLError, OSError) as error:
        return Sent(order, 0, str(getattr(error, "reason", error)))


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", errors="replace")


def send_samples(
    url: str,
    on_sent: Callable[[Sent], None],
    stop: threading.Event,
    orders: tuple[dict[str, Any], ...] = SAMPLE_ORDERS,
    spacing_s: float = SPACING_S,
) -> list[Sent]:
    """Post ``orders`` one by one, ``spacing_s`` apart, until done or ``stop`` is set."""
    sent: list[Sent] = []
    for order in orders:
        if stop.is_set():
            break
        sent.append(post_order(url, order))
        # A connection cut while the host stops (Ctrl-C) is no news: wait a moment to tell the two apart.
        if sent[-1].status == 0 and stop.wait(STOPPING_GRACE_S):
            break
        on_sent(sent[-1])
        stop.wait(spacing_s)
    return sent
