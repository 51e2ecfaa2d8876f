"""Forcing a race on PostgreSQL: threads on connections of their own, and a held transaction.

A race is made certain rather than likely: a transaction on another connection holds what the
racers need, the test waits until they queue behind it in PostgreSQL, then commits it.
"""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction


def in_thread(work: Callable[[], Any]) -> Callable[[], Any]:
    """Start ``work`` on a connection of its own; call the result to join it and get its value."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(work())
        except Exception as exc:  # re-raised in the test's thread
            outcome.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()

    def join() -> Any:
        thread.join(timeout=30)
        assert outcome, "still running after 30 s"
        if isinstance(outcome[0], Exception):
            raise outcome[0]
        return outcome[0]

    return join


def wait_for_lock_waiters(count: int) -> None:
    """Return once ``count`` sessions of the test database wait for a lock."""
    for _ in range(500):  # the clock may be frozen (time-machine): count sleeps
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= count:
                return
        time.sleep(0.02)
    raise AssertionError(f"fewer than {count} sessions waiting for a lock after 10 s")


def queued_behind(
    hold: Callable[[], Any], first: Callable[[], Any], then: Callable[[], Any]
) -> tuple[Any, Any]:
    """``first``, then ``then``, each on its own connection, queued in that order behind a
    transaction running ``hold``; it commits once both wait. Returns both results."""
    with held(hold):
        first_done = in_thread(first)
        wait_for_lock_waiters(1)
        then_done = in_thread(then)
        wait_for_lock_waiters(2)
    return first_done(), then_done()


@contextmanager
def held(work: Callable[[], Any]) -> Iterator[None]:
    """Run ``work`` in a transaction on another connection; commit it when the block ends."""
    ready, release = threading.Event(), threading.Event()

    def hold() -> None:
        with transaction.atomic():
            work()
            ready.set()
            release.wait(timeout=30)

    done = in_thread(hold)
    try:
        assert ready.wait(timeout=10)
        yield
    finally:
        release.set()
        done()
