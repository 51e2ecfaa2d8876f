"""Serializers whose reads walk fields bound once per class: the hot responses' representation.

DRF builds every declared field afresh for each serializer instance (``Serializer.fields`` is a
per-instance copy of the declared fields, bound to that instance) and only then reads the
instance through them. For ``GET /api/users/@me/`` that set-up cost more CPU than both its
queries (docs/performance.md). ``ReadPlanMixin.to_representation`` reads through a plan made
once per class instead:

- a ``SerializerMethodField`` calls its method on *this* serializer, so the method sees this
  serializer's context, as with DRF;
- a nested serializer that has a plan of its own and no method fields (nothing that reads a
  context) is kept bound to the class's prototype and runs its own plan;
- a value field whose output depends only on the value (the allowlist below) is kept bound to
  the prototype: DRF's own ``get_attribute`` and ``to_representation`` of that field.

A class with any other readable field (relations, files, hyperlinks: they read the request)
keeps DRF's path. The output is DRF's own; tests/test_representation.py compares the two.
Writes, validation and the schema still use DRF's per-instance fields.
"""

from typing import Any, ClassVar

from rest_framework import serializers
from rest_framework.fields import SkipField

# Fields whose representation reads only the value (and settings), never the parent or context.
_VALUE_FIELDS = (
    serializers.BooleanField,
    serializers.CharField,
    serializers.ChoiceField,
    serializers.DateField,
    serializers.DateTimeField,
    serializers.DecimalField,
    serializers.FloatField,
    serializers.IntegerField,
    serializers.JSONField,
    serializers.ReadOnlyField,
    serializers.UUIDField,
)
_METHOD, _FIELD = "method", "field"
_DRF = None  # the plan of a class that keeps DRF's path

Plan = list[tuple[str, str, Any]]


class ReadPlanMixin:
    # A comment, not a docstring: drf-spectacular would show a docstring in the schema.
    _read_plan: ClassVar[Plan | None]

    @classmethod
    def read_plan(cls) -> Plan | None:
        if "_read_plan" not in cls.__dict__:
            cls._read_plan = cls._make_read_plan()
        return cls._read_plan

    @classmethod
    def _make_read_plan(cls) -> Plan | None:
        plan: Plan = []
        prototype: Any = cls()
        for field in prototype._readable_fields:
            name: str = field.field_name
            if isinstance(field, serializers.SerializerMethodField):
                plan.append((name, _METHOD, field.method_name))
            elif isinstance(field, ReadPlanMixin):
                nested = type(field).read_plan()
                if nested is _DRF or any(kind == _METHOD for _, kind, _ in nested):
                    return _DRF
                plan.append((name, _FIELD, field))
            elif isinstance(field, _VALUE_FIELDS):
                plan.append((name, _FIELD, field))
            else:
                return _DRF
        return plan

    def to_representation(self, instance: Any) -> dict[str, Any]:
        plan = self.read_plan()
        if plan is _DRF:
            drf: dict[str, Any] = super().to_representation(instance)  # type: ignore[misc]
            return drf
        representation: dict[str, Any] = {}
        for name, kind, item in plan:
            if kind == _METHOD:
                representation[name] = getattr(self, item)(instance)
                continue
            try:
                attribute = item.get_attribute(instance)
            except SkipField:
                continue
            representation[name] = None if attribute is None else item.to_representation(attribute)
        return representation
