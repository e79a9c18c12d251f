"""Extractive answers: everything the assistant says about a topic is cut from an
approved (published) article — its summary and first steps — with a link to it.
Nothing is paraphrased here, so nothing can be invented."""

from __future__ import annotations

import re
from dataclasses import dataclass

from blockdesk.assistant.phrases import phrase

MAX_STEPS = 3
MAX_STEP_CHARS = 220
MAX_SUMMARY_CHARS = 600


@dataclass(frozen=True)
class Article:
    key: str
    language: str
    title: str
    summary: str
    body: str
    url: str
    # The knowledge-base article's id (events cite it); None for articles built in tests.
    id: int | None = None


@dataclass(frozen=True)
class Answer:
    article: Article
    text: str
    fallback_language: bool  # the article is not in the customer's language


_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPH = re.compile(r"(\*\*|__|\*|_|`)(.+?)\1")
_ORDERED = re.compile(r"^(\d+)[.)]\s+(.*)$")
_HEADING = re.compile(r"^#{1,6}\s")


def plain(markdown: str) -> str:
    """Markdown inline formatting removed (links keep their text)."""
    text = _LINK.sub(r"\1", markdown)
    for _ in range(2):  # nested emphasis (**`x`**)
        text = _EMPH.sub(r"\2", text)
    return re.sub(r"\s+", " ", text).strip()


def first_steps(body: str, limit: int = MAX_STEPS) -> list[str]:
    """The first numbered list of the article, top-level items only."""
    steps: list[str] = []
    in_list = False
    for raw in body.splitlines():
        line = raw.rstrip()
        match = _ORDERED.match(line)
        if match:
            in_list = True
            steps.append(match.group(2))
            if len(steps) >= limit:
                break
            continue
        if in_list:
            if not line.strip() or line.startswith((" ", "\t")):
                continue  # blank line or an item's continuation / nested list
            if _HEADING.match(line) or line.strip():
                break
    out = []
    for step in steps:
        text = plain(step)
        if len(text) > MAX_STEP_CHARS:
            text = text[: MAX_STEP_CHARS - 1].rsplit(" ", 1)[0] + "…"
        out.append(text)
    return out


def _clip(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


# How much of the article to quote: the outbound guard may refuse a quote (an article
# telling customers to type their password into the official site reads, out of
# context, like asking for it), so callers step down until it passes.
DETAIL_LEVELS = ("steps", "summary", "link")


def extractive_answer(article: Article, *, language: str, detail: str = "steps") -> Answer:
    fallback = article.language != language
    parts: list[str] = []
    if fallback:
        parts.append(phrase("other_language", language))
    summary = plain(article.summary)
    if summary and detail in ("steps", "summary"):
        parts.append(_clip(summary, MAX_SUMMARY_CHARS))
    steps = first_steps(article.body) if detail == "steps" else []
    if steps:
        parts.append("\n".join(f"{i}. {s}" for i, s in enumerate(steps, 1)))
    parts.append(phrase("read_more", language, title=article.title, url=article.url))
    parts.append(phrase("did_it_help", language))
    return Answer(article=article, text="\n\n".join(parts), fallback_language=fallback)
