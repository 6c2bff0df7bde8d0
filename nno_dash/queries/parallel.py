"""Two at a time: a page's questions answered on its own thread and one helper thread.

A page asks five to eight small questions, and DuckDB spends most of each one planning it,
on one core. Named up front (`Prefetch`), they are shared out: a helper thread answers
them from the last while the page asks from the first, so on two cores the two meet in the
middle and no question is answered twice. DuckDB releases the GIL while it plans and runs
a statement, so the two threads really do run at once.

Used by the app (`ui.data.prefetch`, answers cached by Streamlit) and by the benchmark,
which replays a page's questions the way the page asks them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable
from typing import Any


class Prefetch:
    """Questions (hashable keys) answered by `answer(key)`, on the helper or the caller.

    `take(key)` hands over the answer once: the one the helper has, or the one it is working
    on (waiting for it), or, if the helper has not reached the key yet, the caller answers
    it itself and the helper skips it. After that the key is no longer held here (`in`
    says no), so a page asking again goes to the cache and gets its own copy.
    `before_start(thread)` runs before the helper starts (the app attaches Streamlit's
    script-run context there). An exception reaches whoever takes that key, never the
    helper.
    """

    def __init__(
        self,
        keys: Iterable[Hashable],
        answer: Callable[[Any], Any],
        *,
        before_start: Callable[[threading.Thread], object] | None = None,
    ) -> None:
        self._answer = answer
        self._pending = list(dict.fromkeys(keys))
        self._keys = set(self._pending)
        self._running: dict[Hashable, threading.Event] = {}
        self._done: dict[Hashable, tuple[bool, Any]] = {}
        self._lock = threading.Lock()
        self.helper_answered: list[Hashable] = []  # in the order the helper finished them
        self._thread = threading.Thread(target=self._work, name="nno-prefetch", daemon=True)
        if before_start is not None:
            before_start(self._thread)
        self._thread.start()

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._keys

    def _work(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    return
                key = self._pending.pop()  # from the last: the page starts from the first
                finished = self._running[key] = threading.Event()
            outcome = self._run(key)
            with self._lock:
                self._done[key] = outcome
                del self._running[key]
                self.helper_answered.append(key)
            finished.set()

    def _run(self, key: Hashable) -> tuple[bool, Any]:
        try:
            return True, self._answer(key)
        except BaseException as error:  # noqa: BLE001 (handed to whoever asks for the key)
            return False, error

    def take(self, key: Hashable) -> Any:
        with self._lock:
            if key not in self._keys:
                raise KeyError(f"{key!r} is not held here")
            self._keys.remove(key)
            outcome = self._done.pop(key, None)
            finished = self._running.get(key)
            mine = outcome is None and finished is None
            if mine:
                self._pending.remove(key)
        if mine:
            outcome = self._run(key)
        elif outcome is None and finished is not None:
            finished.wait()
            with self._lock:
                outcome = self._done.pop(key)
        assert outcome is not None
        ok, value = outcome
        if not ok:
            raise value
        return value

    def join(self, timeout: float | None = None) -> None:
        """Wait for the helper to run out of questions (tests, the benchmark)."""
        self._thread.join(timeout)
