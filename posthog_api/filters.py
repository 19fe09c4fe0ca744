"""The base of every FilterSet: what a parameter parses to must be something PostgreSQL can store.

A query parameter's form field may parse JSON (``?tags=["a\\u0000b"]``) into values that
PostgreSQL refuses (a NUL, a lone surrogate) or cannot compare with a bigint column (an integer
past 64 bits). Checking every cleaned value here makes that a 400 naming the parameter for every
filter at once, rather than a 500 from the database.
"""

from __future__ import annotations

import django_filters
from django import forms

from posthog_api.json_values import unstorable_param


class StorableFilterSet(django_filters.FilterSet):
    def is_valid(self) -> bool:
        if not super().is_valid():
            return False
        problem = unstorable_param(self.form.cleaned_data)
        if problem is None:
            return True
        name, message, code = problem
        self.form.add_error(name, forms.ValidationError(message, code=code))
        return False
