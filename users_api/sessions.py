"""Database sessions with the cache in front, where a cache outage only loses the cache.

Django's ``cached_db`` store already reads through a failing cache and ignores a failing save,
but re-filling the cache after a database read, ``exists()`` and ``delete()`` still raise, which
turned every session request into a 503 while Redis was down. Here each of them falls back to the
database (sessions are durable there; the cache is only in front).
"""

import logging
from typing import Any

import redis
from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DBStore

from users_api.cache import OUTAGE

logger = logging.getLogger(__name__)
CACHE_ERRORS = (*OUTAGE, redis.exceptions.RedisError)


class SessionStore(cached_db.SessionStore):
    def load(self) -> dict[str, Any]:
        try:
            cached = self._cache.get(self.cache_key)
        except Exception:  # as Django: an invalid key or an unreachable cache is a miss
            cached = None
        if cached is not None:
            return dict(cached)
        session = self._get_session_from_db()
        if not session:
            return {}
        data: dict[str, Any] = self.decode(session.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=session.expire_date))
        except CACHE_ERRORS:
            logger.warning("session cache unavailable: served from the database")
        return data

    def save(self, must_create: bool = False) -> None:
        DBStore.save(self, must_create)
        try:
            self._cache.set(self.cache_key, self._session, self.get_expiry_age())
        except CACHE_ERRORS:
            logger.warning("session cache unavailable: saved to the database only")

    def exists(self, session_key: str | None) -> bool:
        try:
            if session_key and (self.cache_key_prefix + session_key) in self._cache:
                return True
        except CACHE_ERRORS:
            pass
        return DBStore.exists(self, session_key or "")

    def delete(self, session_key: str | None = None) -> None:
        # The database row first: a cache failure must not leave the session alive.
        DBStore.delete(self, session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except CACHE_ERRORS:
            logger.warning("session cache unavailable: a deleted session may linger there")
