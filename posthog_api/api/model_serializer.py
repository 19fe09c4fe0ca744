"""A ``ModelSerializer`` that introspects its model once per class, not once per instance.

DRF's ``ModelSerializer.get_fields`` maps every model field to a serializer field (field kwargs,
validators, relations) each time a serializer is instantiated; a detail response instantiates
several (the resource and its nested users), and that mapping cost more than the database read
of a cached insight. The mapping depends only on the class (``Meta``, declared fields, the model),
so it is built once per class and every instance gets a deep copy, which is what DRF already does
for declared fields: instances never share a bound field.
"""

from __future__ import annotations

import copy
from typing import Any
from typing import TypeVar

from django.db import models
from rest_framework import serializers

M = TypeVar("M", bound=models.Model)


class ModelSerializer(serializers.ModelSerializer[M]):
    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        cls = type(self)
        # Looked up in the class's own __dict__: a subclass must not reuse its parent's fields.
        built = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()
            cls._fields_built_once = built  # type: ignore[attr-defined]
        return copy.deepcopy(built)
