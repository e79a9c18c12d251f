"""Documents straight from a folder of Markdown articles (the starter KB format:
``<category>/<slug>.<language>.md`` with YAML front matter, see content/README.md).

Used by ``kb_eval`` and the benchmark, and as the document source until the KB
models provide ``blockdesk.kb.selectors.published_documents``.
"""

from __future__ import annotations

import zlib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import frontmatter

from blockdesk.kb.documents import SearchDocument

__all__ = ["STARTER_DIR", "ContentError", "load_documents"]

STARTER_DIR = Path(__file__).resolve().parents[1] / "content" / "starter"
_LANGUAGES = ("en", "zh-hans")


class ContentError(ValueError):
    """A Markdown article is malformed; the message names the file."""


def _updated_at(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        except ValueError:
            pass
    return datetime(1970, 1, 1, tzinfo=UTC)


def _article_id(key: str, language: str) -> int:
    # Stable across runs and machines (hash() is salted per process).
    return zlib.crc32(f"{key}:{language}".encode()) & 0x7FFFFFFF


def load_documents(
    directory: Path | str = STARTER_DIR, *, published_only: bool = True
) -> list[SearchDocument]:
    root = Path(directory)
    if not root.is_dir():
        raise ContentError(f"{root}: not a directory")
    docs: list[SearchDocument] = []
    for path in sorted(root.rglob("*.md")):
        if path.name.lower() == "readme.md":
            continue
        try:
            post = frontmatter.load(str(path))
        except Exception as exc:  # yaml errors come in several types
            raise ContentError(f"{path}: cannot parse front matter: {exc}") from exc
        meta = post.metadata
        missing = [f for f in ("id", "language", "title") if not meta.get(f)]
        if missing:
            raise ContentError(f"{path}: missing front matter field(s) {', '.join(missing)}")
        language = str(meta["language"]).lower()
        if language not in _LANGUAGES:
            raise ContentError(f"{path}: language {language!r} is not one of {_LANGUAGES}")
        if published_only and str(meta.get("status", "published")) != "published":
            continue
        key = str(meta["id"])
        category = str(meta.get("category") or path.parent.name)
        slug = str(meta.get("slug") or key)
        questions = meta.get("example_questions") or []
        if not isinstance(questions, list):
            raise ContentError(f"{path}: example_questions must be a list")
        docs.append(
            SearchDocument(
                article_id=_article_id(key, language),
                key=key,
                language=language,
                title=str(meta["title"]),
                summary=str(meta.get("summary") or ""),
                body=post.content,
                example_questions=tuple(str(q) for q in questions),
                category=category,
                url=f"/help/{language}/{category}/{slug}/",
                updated_at=_updated_at(meta.get("last_reviewed")),
            )
        )
    return docs
