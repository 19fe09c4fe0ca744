"""Insight search in two tiers: exact substring matches, else trigram-similar ones.

* exact: case-insensitive substring of ``name``, ``derived_name`` or ``description``, or of one of
  the insight's tag names;
* similar: word similarity above 0.3 on ``name``/``derived_name`` or above 0.4 on
  ``description``.

If any exact match exists only exact matches are returned. Either tier is ordered by a score
(name word similarity + name similarity + derived_name word similarity + 0.5 x description word
similarity), then name. Where the server has ``pg_trgm`` the database computes similarities;
otherwise ``trigrams.py`` computes the same numbers in Python over the project's candidate rows.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import TrigramSimilarity
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Case
from django.db.models import Exists
from django.db.models import F
from django.db.models import FloatField
from django.db.models import OuterRef
from django.db.models import Q
from django.db.models import QuerySet
from django.db.models import Value
from django.db.models import When
from django.db.models.functions import Coalesce

from insights.models import Insight
from insights.models import TaggedItem
from insights.trigrams import similarity
from insights.trigrams import word_similarity

logger = logging.getLogger(__name__)

MAX_SEARCH_LENGTH = 200
NAME_THRESHOLD = 0.3
DESCRIPTION_THRESHOLD = 0.4

_trigram_available: dict[str, bool] = {}


def database_has_pg_trgm(conn: BaseDatabaseWrapper) -> bool:
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        return cursor.fetchone() is not None


def trigram_available() -> bool:
    """Whether searches run on pg_trgm: ``INSIGHT_SEARCH_MODE`` = python never, auto where the
    database has the extension, trigram where it has it too (``insights.E001`` stops ``migrate``
    when it does not; a server started without that check falls back to Python and logs it)."""
    mode = settings.INSIGHT_SEARCH_MODE
    if mode == "python":
        return False
    name = str(connection.settings_dict.get("NAME"))
    if name not in _trigram_available:
        _trigram_available[name] = database_has_pg_trgm(connection)
        if mode == "trigram" and not _trigram_available[name]:
            logger.warning(
                "INSIGHT_SEARCH_MODE=trigram but database %s has no pg_trgm: searching in Python",
                name,
            )
    return _trigram_available[name]


def clean_search_term(raw: str) -> str:
    return raw.replace("\x00", "").strip()


def _exact_q(term: str) -> Q:
    tag_match = TaggedItem.objects.filter(insight=OuterRef("pk"), tag__name__icontains=term)
    return (
        Q(name__icontains=term)
        | Q(derived_name__icontains=term)
        | Q(description__icontains=term)
        | Q(Exists(tag_match))
    )


def python_score(
    term: str, name: str | None, derived: str | None, description: str | None
) -> float:
    return (
        (word_similarity(term, name) if name else 0.0)
        + (similarity(term, name) if name else 0.0)
        + (word_similarity(term, derived) if derived else 0.0)
        + 0.5 * (word_similarity(term, description) if description else 0.0)
    )


def python_is_similar(
    term: str, name: str | None, derived: str | None, description: str | None
) -> bool:
    return (
        (bool(name) and word_similarity(term, name or "") > NAME_THRESHOLD)
        or (bool(derived) and word_similarity(term, derived or "") > NAME_THRESHOLD)
        or (bool(description) and word_similarity(term, description or "") > DESCRIPTION_THRESHOLD)
    )


def _search_sql(queryset: QuerySet[Insight], term: str) -> QuerySet[Insight]:
    def word(field: str) -> Any:
        similarity = TrigramWordSimilarity(Value(term), field)  # type: ignore[arg-type]
        return Coalesce(similarity, Value(0.0), output_field=FloatField())

    full = TrigramSimilarity("name", Value(term))  # type: ignore[arg-type]
    annotated = queryset.annotate(
        search_name_word=word("name"),
        search_derived_word=word("derived_name"),
        search_description_word=word("description"),
        search_score=word("name")
        + Coalesce(full, Value(0.0), output_field=FloatField())
        + word("derived_name")
        + Value(0.5) * word("description"),
    )
    exact = annotated.filter(_exact_q(term))
    if exact.exists():
        return exact.annotate(search_match_type=Value("exact")).order_by("-search_score", "name")
    similar = annotated.filter(
        Q(search_name_word__gt=NAME_THRESHOLD)
        | Q(search_derived_word__gt=NAME_THRESHOLD)
        | Q(search_description_word__gt=DESCRIPTION_THRESHOLD)
    )
    return similar.annotate(search_match_type=Value("similar")).order_by("-search_score", "name")


def _search_python(queryset: QuerySet[Insight], term: str) -> QuerySet[Insight]:
    exact_ids = set(queryset.filter(_exact_q(term)).values_list("pk", flat=True))
    rows = queryset.values_list("pk", "name", "derived_name", "description")
    if exact_ids:
        tier = "exact"
        kept = [row for row in rows if row[0] in exact_ids]
    else:
        tier = "similar"
        kept = [row for row in rows if python_is_similar(term, *row[1:])]
    scores = {row[0]: python_score(term, *row[1:]) for row in kept}
    if not scores:
        return queryset.none().annotate(search_match_type=Value(tier))
    score = Case(
        *(When(pk=pk, then=Value(value)) for pk, value in scores.items()),
        default=Value(0.0),
        output_field=FloatField(),
    )
    return (
        queryset.filter(pk__in=scores)
        .annotate(search_score=score, search_match_type=Value(tier))
        .order_by(F("search_score").desc(), "name")
    )


def search_insights(queryset: QuerySet[Insight], raw_term: str) -> QuerySet[Insight]:
    """``queryset`` narrowed to one tier of matches for ``raw_term``, best first."""
    term = clean_search_term(raw_term)
    if not term:
        return queryset
    if trigram_available():
        return _search_sql(queryset, term)
    return _search_python(queryset, term)
