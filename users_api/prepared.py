"""Hot-path queries compiled to SQL once per process and run with new values on each call.

Django builds and compiles a query's SQL on every evaluation. For the queries every request
runs (the API key lookup, the user representation) that costs more than running them: about
2 ms of CPU per request of ``GET /api/users/@me/`` before this (docs/performance.md). A
``PreparedQuery`` keeps the compiled SQL and the recipe for turning its rows into model
instances (the same steps as Django's ``ModelIterable``); it holds no rows, so every call reads
the current data and nothing about authorization is cached.

On PostgreSQL the SQL is sent with server-side binding, so psycopg prepares it on the
connection after a few runs (its ``prepare_threshold``) and PostgreSQL skips parsing and planning,
as any plain psycopg client does; Django's own cursors bind client-side and never prepare.
``DATABASE_PREPARED_STATEMENTS=false`` turns that off (PgBouncer before 1.21 in transaction
mode; docs/scaling.md).
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]

# Stand-ins for the values given on each call: unlikely enough to appear in a query by chance,
# and each must appear exactly once among the compiled parameters.
_SENTINELS: dict[type, Callable[[int], Any]] = {
    str: lambda n: f"\x1fprepared-parameter-{n}\x1f",
    int: lambda n: -7_340_000_000 - n,
    datetime: lambda n: datetime(1001, 1, 1, 0, 0, n, tzinfo=UTC),
}


def _adapt(value: Any, connection: Any) -> Any:
    """A value as the backend's compiler passes it (SQLite takes datetimes as text)."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return value


def first_row(connection: Any, sql: str, params: Sequence[Any]) -> Any:
    """Run ``sql`` (a fixed statement: only its parameters change) and return its first row, or
    None. On PostgreSQL it is bound server-side on the connection's kept cursor, so psycopg
    prepares it after two runs, as it does for the compiled queries."""
    with _statement_cursor(connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def execute(connection: Any, sql: str, params: Sequence[Any]) -> None:
    """``first_row`` for a statement that returns no rows (the push cap's ``DELETE``)."""
    with _statement_cursor(connection) as cursor:
        cursor.execute(sql, params)


@contextmanager
def _statement_cursor(connection: Any) -> Iterator[Any]:
    if (
        connection.vendor != "postgresql"
        or not settings.DATABASE_PREPARED_STATEMENTS
        # While queries are recorded (DEBUG, query-count assertions) Django's own cursor runs
        # the same SQL: it records the statement's text, a prepared one is recorded as None.
        or connection.queries_logged
    ):
        with connection.cursor() as cursor:
            yield cursor
    else:
        yield _server_binding_cursor(connection)


_KEPT_CURSOR = "_users_api_server_binding_cursor"


def _server_binding_cursor(connection: Any) -> Any:
    """A cursor that lets psycopg prepare statements, one per database connection.

    Kept while its connection lives (it holds no rows beyond the last one read): building a
    psycopg cursor, with its adapters and timestamp loaders, cost 5-10% of a key-authenticated
    request's CPU (docs/performance.md). A new connection gets a new cursor.
    """
    from django.db.backends.postgresql.base import (  # type: ignore[attr-defined]
        ServerBindingCursor,
    )

    # As ``connection.cursor()`` does, with a server-binding cursor instead of the default.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    kept = getattr(connection, _KEPT_CURSOR, None)  # through django.db.connection too
    if kept is not None and kept[0] is connection.connection:
        return kept[1]
    with connection.wrap_database_errors:
        cursor = connection._prepare_cursor(ServerBindingCursor(connection.connection))
    setattr(connection, _KEPT_CURSOR, (connection.connection, cursor))
    return cursor


class PreparedQuery:
    """``build(**values)`` returns the queryset; call ``first(**values)`` with the real values.

    ``parameters`` names each value and its type (``str``, ``int`` or ``datetime``). ``build``
    must use each value exactly once as a query parameter (a filter value), never in the shape
    of the query (a field name, a slice).
    """

    def __init__(self, build: Callable[..., "QuerySet[Any, Any]"], **parameters: type) -> None:
        self._build = build
        self._parameters = parameters
        self._compiled: tuple[Any, ...] | None = None

    def _compile(self) -> tuple[Any, ...]:
        sentinels = {
            name: _SENTINELS[kind](n) for n, (name, kind) in enumerate(self._parameters.items())
        }
        queryset = self._build(**sentinels)
        db = queryset.db
        compiler = queryset.query.get_compiler(using=db)
        sql, params = compiler.as_sql()
        params = list(params)
        positions = {}
        for name, sentinel in sentinels.items():
            sentinel = _adapt(sentinel, connections[db])
            found = [i for i, param in enumerate(params) if param == sentinel]
            if len(found) != 1:
                raise ValueError(f"parameter {name!r} appears {len(found)} times in the query")
            positions[name] = found[0]
        klass_info, select = compiler.klass_info, compiler.select
        converters = compiler.get_converters([column[0] for column in select[: compiler.col_count]])
        if klass_info is None:  # values_list(): the row itself
            self._compiled = (db, sql, params, positions, converters, None)
            return self._compiled
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        instances = (
            klass_info["model"],
            start,
            end,
            [column[0].target.attname for column in select[start:end]],
            get_related_populators(klass_info, select, db),
            compiler.annotation_col_map or {},
        )
        self._compiled = (db, sql, params, positions, converters, instances)
        return self._compiled

    def first(self, **values: Any) -> Any:
        """The first row (the queryset's own order) as its instance, or as a tuple for a
        ``values_list()`` queryset; ``None`` without rows."""
        db, sql, params, positions, converters, instances = self._compiled or self._compile()
        connection = connections[db]
        params = list(params)
        for name, position in positions.items():
            params[position] = _adapt(values[name], connection)
        row = first_row(connection, sql, params)
        if row is None:
            return None
        if converters:
            row = list(row)
            for position, (functions, expression) in converters.items():
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
        if instances is None:
            return tuple(row)
        model, start, end, init_list, populators, annotations = instances
        obj = model.from_db(db, init_list, row[start:end])
        for populator in populators:
            populator.populate(row, obj)
        for name, position in annotations.items():
            setattr(obj, name, row[position])
        return obj
