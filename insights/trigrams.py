"""pg_trgm's ``similarity`` and ``word_similarity`` in pure Python, for servers without it.

Follows the extension's rules: text is lower-cased and split into words on non-alphanumerics,
each word is padded with two spaces in front and one behind, and its 3-character windows are
its trigrams. ``similarity`` is the Jaccard index of the two trigram sets; ``word_similarity`` is
the best Jaccard index between the first string's trigrams and any contiguous run of the second
string's trigrams (in order).
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _word_trigrams(word: str) -> list[str]:
    padded = f"  {word} "
    return [padded[i : i + 3] for i in range(len(padded) - 2)]


def trigram_list(text: str) -> list[str]:
    """Trigrams of ``text`` in order of appearance (duplicates kept)."""
    return [trigram for word in _WORD.findall(text.lower()) for trigram in _word_trigrams(word)]


def similarity(a: str, b: str) -> float:
    first, second = set(trigram_list(a)), set(trigram_list(b))
    union = first | second
    return len(first & second) / len(union) if union else 0.0


def word_similarity(a: str, b: str) -> float:
    target = set(trigram_list(a))
    if not target:
        return 0.0
    sequence = trigram_list(b)
    best = 0.0
    # Only runs that start and end on a shared trigram can be best: trimming others only helps.
    starts = [i for i, trigram in enumerate(sequence) if trigram in target]
    for start in starts:
        seen: set[str] = set()
        common = extra = 0
        for trigram in sequence[start:]:
            if trigram not in seen:
                seen.add(trigram)
                if trigram in target:
                    common += 1
                else:
                    extra += 1
            if trigram in target:
                best = max(best, common / (len(target) + extra))
    return best
