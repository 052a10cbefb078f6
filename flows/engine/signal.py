"""How a harvest running beside the processing tells it what has landed in the raw store."""

from __future__ import annotations

import threading


class HarvestSignal:
    """What a harvest running beside the processing tells it: how many records needing processing it has
    committed so far (`committed`, its `on_commit` callback), and that it has ended (`end`). Processing then
    reads the raw store only when a batch's worth has landed, and once more at the end."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self.landed = 0
        self.ended = False

    def committed(self, records: int) -> None:
        with self._condition:
            self.landed += records
            self._condition.notify_all()

    def end(self) -> None:
        with self._condition:
            self.ended = True
            self._condition.notify_all()

    def wait(self, landed_at_least: int) -> None:
        """Until `landed_at_least` records have landed or the harvest has ended."""
        with self._condition:
            self._condition.wait_for(lambda: self.ended or self.landed >= landed_at_least)
