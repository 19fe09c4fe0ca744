"""The project's documents are self-contained: every file they point to is in the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted(p for p in ROOT.glob("*.md"))


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_documents_point_only_inside_the_repository(doc):
    text = doc.read_text()
    linked = re.findall(r"\]\(([^)#]+)\)", text) + re.findall(
        r"`([\w./-]+\.(?:md|py|yaml|toml))`", text
    )
    for target in linked:
        if re.match(r"^[a-z]+://", target):
            continue
        resolved = (ROOT / target).resolve()
        assert resolved.is_relative_to(ROOT), f"{doc.name} points outside the repository: {target}"
