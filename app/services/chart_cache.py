"""Rendered charts, kept by the digest of what they show, so the same data is drawn once per process.

A digest covers every figure, label and option drawn (framework.charts.rainbow_chart.chart_digest), so a
change in the data gives a new key and a stale image can never be served. Nothing here is needed by another
process: each keeps its own small cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable


class ChartCache:
    def __init__(self, *, max_entries: int = 256) -> None:
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def get_or_render(self, digest: str, render: Callable[[], bytes]) -> bytes:
        with self._lock:
            if digest in self._entries:
                self._entries.move_to_end(digest)
                return self._entries[digest]
        image = render()  # outside the lock: drawing takes ~100 ms and other charts need not wait
        with self._lock:
            self._entries[digest] = image
            self._entries.move_to_end(digest)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return image

    def __len__(self) -> int:
        return len(self._entries)
