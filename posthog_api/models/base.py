"""Small shared model helpers."""

from __future__ import annotations

import secrets
import string

from django.db import models

_ALPHANUMERIC = string.ascii_letters + string.digits


def random_token(length: int, *, alphabet: str = _ALPHANUMERIC) -> str:
    """A cryptographically random string, e.g. for short ids and API tokens."""
    return "".join(secrets.choice(alphabet) for _ in range(length))


class CreatedAtModel(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
