"""Personal API keys: shown once, stored as a SHA-256 hash.

Keys are 32+ random characters, so a fast hash is enough: there is nothing to brute-force that a
slow KDF would protect, and authentication stays one indexed lookup per request.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from posthog_api.models.base import random_token

KEY_PREFIX = "phx_"

SCOPE_OBJECTS = ("insight", "dashboard", "element", "activity_log", "query", "project", "user")
ALL_SCOPES = ("*", *(f"{obj}:{action}" for obj in SCOPE_OBJECTS for action in ("read", "write")))


def hash_key_value(value: str) -> str:
    return "sha256$" + hashlib.sha256(value.encode()).hexdigest()


def generate_key_value() -> str:
    return KEY_PREFIX + random_token(43)


def generate_key_id() -> str:
    return random_token(24)


def mask_key_value(value: str) -> str:
    return f"{value[:4]}...{value[-4:]}"


class PersonalAPIKey(models.Model):
    id = models.CharField(primary_key=True, max_length=50, default=generate_key_id, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="personal_api_keys"
    )
    label = models.CharField(max_length=40)
    secure_value = models.CharField(max_length=300, unique=True, editable=False)
    mask_value = models.CharField(max_length=11, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # An empty list is a legacy key that may do anything, as in PostHog.
    scopes = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    scoped_teams = ArrayField(models.BigIntegerField(), null=True, blank=True)
    scoped_organizations = ArrayField(models.CharField(max_length=100), null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.label} ({self.mask_value})"
