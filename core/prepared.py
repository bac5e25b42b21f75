"""Hot reads whose SQL the ORM builds once per process (issue 18).

Building a statement costs Django far more than a county's database takes to run it: the
caller's roles, read on every signed-in request, took about 1 ms to build and 0.02 ms to run.
A `Prepared` read is written as an ordinary queryset function; the first call on a database
builds its SQL from stand-in values, and every call runs that SQL with its own values.

    busy = Prepared(
        lambda lecturer_id, start, end: Booking.objects.filter(
            lecturer_id=lecturer_id, start_at__lt=end, end_at__gt=start
        ).values_list("pk")[:1],
        lecturer_id=int, start=datetime, end=datetime,
    )
    busy.first(lecturer_id=7, start=..., end=...)   # a row (a tuple) or None

What may vary between calls is what the parameters name: ints, strings and aware datetimes,
one value each; bools, which shape the SQL (each value is built once, as its own statement);
and tuples of ints, whose length shapes it (`id IN (…)`: each length its own statement, each
element a value; a tuple is a set, used whole as `__in` uses it, given in any order).
Anything else the queryset depends on is part of its shape. Each statement is built twice,
with two sets of stand-ins; if anything but the stand-ins differs between the two (a hidden
`now()`, say), the first call fails loudly instead of freezing that value. A hidden value
that changes rarely (today's date) would pass that check and be frozen: make it a parameter.
Every int, string and datetime must reach the SQL; a tuple may not (a rule that ignores it
for some shape, as county admins see a whole county whatever else they hold), but then none
of its elements may.

A read whose filter a caller's roles shape (the `*_q` rules of `orgs.rules`) takes the
caller's scope as parameters (`orgs.rules.SCOPE_KINDS`), and `instance_reader` turns its rows
into model instances with their related rows attached, as `select_related` would.
"""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from threading import Lock
from typing import NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Model, QuerySet

_VALUES = (int, str, datetime)  # one value each, a slot of the SQL
_KINDS = (*_VALUES, bool, tuple)  # bools and tuples' lengths shape the SQL


def _stand_in(kind: type, slot: int, series: int):
    """A value no real query holds, distinct per parameter and per build."""
    if kind is int:
        return -(7 << 40) - 1000 * slot - series
    if kind is str:
        return f"\ue000prepared:{slot}:{series}"
    return datetime(2001, 2, 3, tzinfo=UTC) + timedelta(days=slot, microseconds=series + 1)


class _Statement(NamedTuple):
    sql: str | None  # None: the filter matches no row whatever the values (`pk__in=[]`)
    params: list
    slots: dict[int, tuple[str, int]]  # position among the params → (name, index in a tuple)
    converters: list  # (column position, the ORM's converters, the column)


def _names(slots: dict) -> dict[int, str]:
    """Which parameter each slot holds; a tuple's elements may land in any order (a set)."""
    return {position: name for position, (name, _index) in slots.items()}


class Prepared:
    """A read built once per database alias; see the module's docstring."""

    def __init__(self, build: Callable[..., QuerySet], **kinds: type):
        for name, kind in kinds.items():
            if kind not in _KINDS:
                raise TypeError(f"parameter {name}: only int, str, datetime, bool and tuple")
        self.build, self.kinds = build, kinds
        self._statements: dict[tuple, _Statement] = {}
        self._lock = Lock()

    def _adapt(self, connection, kind: type, value):
        if kind is datetime:
            return connection.ops.adapt_datetimefield_value(value)
        return value

    def _shape(self, values: dict) -> tuple:
        """What selects the statement: each bool's value and each tuple's length."""
        return tuple(
            values[name] if kind is bool else len(values[name])
            for name, kind in self.kinds.items()
            if kind in (bool, tuple)
        )

    def _built(self, alias: str, values: dict, series: int):
        """The compiler and SQL of the shape of `values`, built from stand-ins (None, None, …
        when it matches no row), with `slots`: where each stand-in landed among the params."""
        connection = connections[alias]
        stand_ins, expected = {}, {}  # the build's arguments; (name, index) → adapted value
        slot = 0
        for name, kind in self.kinds.items():
            if kind is bool:
                stand_ins[name] = values[name]
            elif kind is tuple:
                stand_ins[name] = tuple(
                    _stand_in(int, slot + i, series) for i in range(len(values[name]))
                )
                slot += len(values[name])
                for i, value in enumerate(stand_ins[name]):
                    expected[name, i] = value
            else:
                stand_ins[name] = _stand_in(kind, slot, series)
                slot += 1
                expected[name, -1] = self._adapt(connection, kind, stand_ins[name])
        compiler = self.build(**stand_ins).query.get_compiler(using=alias)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return None, None, [], {}
        slots = {}
        for position, param in enumerate(params):
            for key, value in expected.items():
                if type(param) is type(value) and param == value:
                    slots[position] = key
        return compiler, sql, list(params), slots

    def _check_reach(self, slots: dict, values: dict) -> None:
        reached = set(slots.values())
        for name, kind in self.kinds.items():
            if kind is bool:
                continue
            if kind is tuple:
                seen = {(name, i) in reached for i in range(len(values[name]))}
                if len(seen) > 1:
                    raise ValueError(f"Prepared read: only part of {name} reaches the SQL")
            elif (name, -1) not in reached:
                raise ValueError(f"Prepared read: parameter {name} does not reach the SQL")

    def _statement(self, alias: str, values: dict) -> _Statement:
        key = (alias, self._shape(values))
        statement = self._statements.get(key)
        if statement is not None:
            return statement
        with self._lock:
            compiler, sql, params, slots = self._built(alias, values, 0)
            _again, sql_again, params_again, slots_again = self._built(alias, values, 1)
            if (
                sql != sql_again
                or _names(slots) != _names(slots_again)
                or any(
                    a != b
                    for i, (a, b) in enumerate(zip(params, params_again, strict=True))
                    if i not in slots
                )
            ):
                raise ValueError("Prepared read: the query changes with more than its parameters")
            if sql is None:
                statement = _Statement(None, [], {}, [])
            else:
                self._check_reach(slots, values)
                columns = [column for column, _sql, _alias in compiler.select[: compiler.col_count]]
                converters = [
                    (i, funcs, column)
                    for i, (funcs, column) in compiler.get_converters(columns).items()
                ]
                statement = _Statement(sql, params, slots, converters)
            self._statements[key] = statement
            return statement

    def rows(self, *, using: str = "default", **values) -> list[tuple]:
        if values.keys() != self.kinds.keys():
            raise TypeError(f"Prepared read takes {sorted(self.kinds)}, got {sorted(values)}")
        for name, kind in self.kinds.items():
            if kind is tuple:
                values[name] = tuple(sorted(values[name]))
        statement = self._statement(using, values)
        if statement.sql is None:
            return []
        connection = connections[using]
        params = list(statement.params)
        for position, (name, index) in statement.slots.items():
            if index < 0:
                params[position] = self._adapt(connection, self.kinds[name], values[name])
            else:
                params[position] = values[name][index]
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, params)
            rows = cursor.fetchall()
        if not statement.converters:
            return [tuple(row) for row in rows]
        converted = []
        for row in rows:
            row = list(row)
            for i, funcs, column in statement.converters:
                for convert in funcs:
                    row[i] = convert(row[i], column, connection)
            converted.append(tuple(row))
        return converted

    def first(self, *, using: str = "default", **values) -> tuple | None:
        found = self.rows(using=using, **values)
        return found[0] if found else None


class InstanceReader(NamedTuple):
    """What `instance_reader` returns: the columns to read, and the row → instance function."""

    columns: tuple[str, ...]
    instance: Callable[[tuple], Model]


def instance_reader(
    model, *related: str, only: tuple[str, ...] | None = None, using: str = "default"
) -> InstanceReader:
    """The columns that read a `model` row with the rows of its relations `related` (its
    foreign keys, or one-to-ones pointing at it) in the same statement, and the function that
    makes the instance of such a row with those attached, as `select_related(*related)` would.
    `only`, as the queryset's `.only()`: the fields to read ("venue", "lecturer__name"), the
    others deferred; the primary keys and the keys of `related` are always read."""
    wanted = None if only is None else set(only)

    def read(target, prefix: str, keys=()) -> list[str]:
        return [
            field.attname
            for field in target._meta.concrete_fields
            if wanted is None
            or field.primary_key
            or field.name in keys
            or f"{prefix}{field.name}" in wanted
            or f"{prefix}{field.attname}" in wanted
        ]

    own = read(model, "", related)
    parts = []  # (where the relation caches its row, its model, its columns, first position)
    columns = list(own)
    for name in related:
        relation = model._meta.get_field(name)
        target = relation.related_model
        fields = read(target, f"{name}__")
        parts.append((relation.cache_name, target, fields, len(columns)))
        columns += [f"{name}__{field}" for field in fields]

    def instance(row: tuple) -> Model:
        made = model.from_db(using, own, row[: len(own)])
        for cache_name, target, fields, start in parts:
            values = row[start : start + len(fields)]
            pk_at = fields.index(target._meta.pk.attname)
            made._state.fields_cache[cache_name] = (
                None if values[pk_at] is None else target.from_db(using, fields, values)
            )
        return made

    return InstanceReader(tuple(columns), instance)


def by_pk(model) -> Callable[[int], Model | None]:
    """A function reading one row of `model` by primary key, whole, as an instance (None if
    there is none), with SQL built once: for rows read on every request."""
    reader = instance_reader(model)
    read = Prepared(
        lambda pk: model._base_manager.filter(pk=pk).values_list(*reader.columns), pk=int
    )

    def get(pk: int):
        row = read.first(pk=pk)
        return None if row is None else reader.instance(row)

    return get
