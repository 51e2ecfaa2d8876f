"""Django's Redis cache behind a per-process circuit breaker.

A frozen Redis (process stopped, connections open) answers nothing: every command waits for the
socket timeout. One request touches the cache several times (session, throttles, pending state),
so without a breaker it paid one timeout per call. Here the first timeout or refused connection
opens the breaker: for ``CACHE_BREAKER_SECONDS`` every cache call in this process fails at once
with ``redis.exceptions.ConnectionError``, which the callers already treat as "cache unavailable"
(secret-guarding throttles refuse with 503, the others allow; sessions fall back to the
database). Afterwards the next call tries Redis again: success closes the breaker, a failure
opens it for another period.

The breaker is a health flag about the cache, per process; it holds no authorization state.
Redis errors that are answers (``ResponseError`` and the like) are not outages and never open it.
It is a few lines rather than a library: pybreaker holds one lock across every guarded call,
which would serialise all cache traffic of a threaded worker.
"""

import logging
import time
from typing import Any

import redis
from django.conf import settings
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.backoff import NoBackoff
from redis.retry import Retry

logger = logging.getLogger(__name__)

OUTAGE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


class CircuitBreaker:
    def __init__(self) -> None:
        self.open_until = 0.0  # time.monotonic(); a float write is atomic under the GIL

    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def trip(self, exc: BaseException) -> None:
        seconds = settings.CACHE_BREAKER_SECONDS
        if not self.is_open():
            logger.warning(
                "cache unreachable (%s): failing fast for %ss", type(exc).__name__, seconds
            )
        self.open_until = time.monotonic() + seconds

    def reset(self) -> None:
        self.open_until = 0.0

    def call(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        if self.is_open():
            raise redis.exceptions.ConnectionError("cache circuit breaker open")
        try:
            return func(*args, **kwargs)
        except OUTAGE as exc:
            self.trip(exc)
            raise


breaker = CircuitBreaker()


class _GuardedRedis(redis.Redis):
    def execute_command(self, *args: Any, **options: Any) -> Any:
        return breaker.call(super().execute_command, *args, **options)

    def pipeline(self, *args: Any, **kwargs: Any) -> Any:
        pipe = super().pipeline(*args, **kwargs)
        execute = pipe.execute
        pipe.execute = lambda *a, **k: breaker.call(execute, *a, **k)  # type: ignore[method-assign]
        return pipe


class _GuardedClient(RedisCacheClient):
    def __init__(self, servers: Any, **options: Any) -> None:
        # redis-py retries a timed-out command by default (with back-off): one call could then
        # hold a request for several timeouts. The breaker decides instead.
        options.setdefault("retry", Retry(NoBackoff(), 0))
        super().__init__(servers, **options)
        self._client = _GuardedRedis
        self._clients: dict[int, redis.Redis] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> redis.Redis:
        # Django builds a new client object around the same pool on every call, and redis-py's
        # constructor sets up its response callbacks each time: 7% of a session request's CPU
        # under load (docs/performance.md). A client holds no state beyond its pool, and the
        # pool is safe to share between threads and resets itself in a forked child.
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]  # not in the stubs
        client = self._clients.get(id(pool))
        if client is None or client.connection_pool is not pool:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _GuardedClient
