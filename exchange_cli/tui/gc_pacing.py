"""Full garbage collections while nobody types, instead of in the middle of a key press.

With a large journal the TUI's heap holds ~100,000 objects the collector tracks (rows, entries, widgets, styles).
CPython's automatic collection of the oldest generation walks all of them (~75 ms on a shared machine), and it
fell every few tab switches: the slowest key presses were that pause. While the app runs, the automatic full
collection is off; the young generations are still collected as usual (they are small and cheap). A full
collection runs when CPython's own threshold for one has been passed (that many collections of the middle
generation, each promoting its survivors to the oldest) and the keyboard and mouse have been quiet for
:data:`IDLE_S`; and anyway, however busy the user, once the oldest generation has really grown by
:data:`BUSY_SHARE` of what the last full collection left. Textual's rendered strips refer to themselves through
their caches, a few thousand objects of cyclic garbage every tab switch: without that valve memory would grow
for as long as keys keep coming. The previous settings come back when the app stops (tests run many apps in one
process).
"""

from __future__ import annotations

import gc
import time
from typing import Any

#: Quiet input (seconds) after which a full collection may run.
IDLE_S = 0.5
#: However busy the user: a full collection once the oldest generation has grown by this share...
BUSY_SHARE = 1.0
#: ... looked at (counting it costs a few ms) every this many middle-generation collections.
BUSY_RUNS = 50
#: An oldest-generation threshold the collector never reaches: its own full collections are off.
NEVER = 2**30


class IdleCollector:
    """Owns the full collections while the app runs: :meth:`start`, :meth:`tick` often, :meth:`stop`."""

    def __init__(self, idle_s: float = IDLE_S, busy_share: float = BUSY_SHARE, busy_runs: int = BUSY_RUNS) -> None:
        self.idle_s = idle_s
        self.busy_share = busy_share
        self.busy_runs = busy_runs
        #: Full collections this collector ran (for tests and benchmarks).
        self.collections = 0
        self._saved: tuple[int, int, int] | None = None
        self._last_input = time.monotonic()
        self._runs = 0  # middle-generation collections since the last full one (or the last growth check)
        self._since_full = 0  # ... since the last full one
        self._long_lived = 0  # objects the last full collection left in the oldest generation (0: not counted yet)

    @property
    def active(self) -> bool:
        """Whether the automatic full collection is off (between start and stop)."""
        return self._saved is not None

    def start(self) -> None:
        """Turn the automatic full collection off (the previous thresholds are kept for :meth:`stop`)."""
        if self._saved is not None:
            return
        self._saved = gc.get_threshold()
        young, middle, _ = self._saved
        gc.set_threshold(young, middle, NEVER)
        gc.callbacks.append(self._observe)
        self._runs = self._since_full = self._long_lived = 0

    def stop(self) -> None:
        """Give the collector its previous thresholds back."""
        if self._saved is None:
            return
        if self._saved[2] != NEVER:  # else another app's collector had it first: that one gives it back
            gc.set_threshold(*self._saved)
        self._saved = None
        if self._observe in gc.callbacks:
            gc.callbacks.remove(self._observe)

    def input_seen(self) -> None:
        """The user is typing or moving the mouse: a full collection now would delay what they wait for."""
        self._last_input = time.monotonic()

    def tick(self) -> bool:
        """Collect if CPython would have by now and the user is quiet, or if far too much stayed in the oldest
        generation anyway. Returns whether it collected."""
        if self._saved is None:
            return False
        if not self._long_lived:
            self._long_lived = max(1, len(gc.get_objects(generation=2)))
        quiet = time.monotonic() - self._last_input >= self.idle_s
        due = self._since_full > self._saved[2]  # CPython's own rule for the oldest generation
        if not (quiet and due) and not (self._runs >= self.busy_runs and self._grown()):
            return False
        gc.collect()
        self.collections += 1
        self._long_lived = max(1, len(gc.get_objects(generation=2)))  # counted now, inside the pause just taken
        return True

    def _grown(self) -> bool:
        """Whether the oldest generation really holds :attr:`busy_share` more than the last full collection left
        (promoted objects freed since do not count)."""
        self._runs = 0
        return len(gc.get_objects(generation=2)) - self._long_lived >= self.busy_share * self._long_lived

    def _observe(self, phase: str, info: dict[str, Any]) -> None:
        if phase != "stop":
            return
        if info["generation"] == 2:
            self._runs = self._since_full = self._long_lived = 0  # counted again at the next tick, not in here
        elif info["generation"] == 1:
            self._runs += 1
            self._since_full += 1
