"""Optional: phrase an answer with a language model behind an OpenAI-compatible
`/chat/completions` endpoint, from the retrieved articles only, with citations.

Off by default. The output must cite only the articles it was given ([1], [2] …), at
least one of them, and pass the outbound guard; anything else (timeout, HTTP error,
a made-up citation, a request for secrets) falls back to the extractive answer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass

import httpx
from django.conf import settings

from blockdesk.assistant.answer import Article, plain
from blockdesk.assistant.models import AssistantSettings
from blockdesk.common.jsonbody import InvalidJson, loads_bounded
from blockdesk.common.netguard import UnsafeTarget, pinned_client
from blockdesk.safety import scan_outbound

logger = logging.getLogger(__name__)

MAX_OUTPUT_CHARS = 1200
MAX_ARTICLE_CHARS = 3000
MAX_RESPONSE_BYTES = 200_000
_CITATION = re.compile(r"\[(\d{1,2})\]")

SYSTEM_PROMPT = (
    "You are a customer-support assistant for a crypto platform. Answer the customer's "
    "question using ONLY the numbered help-center articles provided. Do not add facts, "
    "numbers, promises, refunds or outcomes that are not in the articles. Never ask for a "
    "seed phrase, private key, password or 2FA code. Cite the articles you used as [1], "
    "[2]. Reply in the language with code '{language}', in at most 120 words, plain text."
)


class GenerationFailed(Exception):
    pass


@dataclass(frozen=True)
class Generated:
    text: str
    cited: tuple[int, ...]  # 1-based indices into the articles given


def _endpoint(base: str) -> str:
    base = base.rstrip("/")
    if not base.lower().startswith(("http://", "https://")):
        raise GenerationFailed("the endpoint must be an http(s) URL")
    return base if base.endswith("/chat/completions") else base + "/chat/completions"


def check_output(text: str, *, n_articles: int) -> Generated:
    """Refuse output that cites nothing, cites an article it was not given, or asks for
    a secret."""
    text = (text or "").strip()
    if not text:
        raise GenerationFailed("empty output")
    if len(text) > MAX_OUTPUT_CHARS:
        raise GenerationFailed("output too long")
    cited = tuple(sorted({int(n) for n in _CITATION.findall(text)}))
    if not cited:
        raise GenerationFailed("no citation")
    if any(n < 1 or n > n_articles for n in cited):
        raise GenerationFailed(f"cites an article it was not given: {cited}")
    if scan_outbound(text).blocked:
        raise GenerationFailed("the outbound guard blocked the output")
    if re.search(r"https?://", text):
        # Links come from us (the article URL), never from the model.
        raise GenerationFailed("output contains a URL")
    return Generated(text, cited)


def generate(
    config: AssistantSettings, *, question: str, articles: Sequence[Article], language: str
) -> Generated:
    if not (config.generative_enabled and config.generative_url and config.generative_model):
        raise GenerationFailed("not configured")
    context = "\n\n".join(
        f"[{i}] {a.title}\n{plain(a.summary)}\n{a.body[:MAX_ARTICLE_CHARS]}"
        for i, a in enumerate(articles, 1)
    )
    body = {
        "model": config.generative_model,
        "temperature": 0,
        "max_tokens": 400,
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT.format(language=language)},
            {"role": "user", "content": f"Articles:\n{context}\n\nCustomer question:\n{question}"},
        ],
    }
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if config.generative_api_key:
        headers["Authorization"] = f"Bearer {config.generative_api_key}"
    url = _endpoint(config.generative_url)
    try:
        # The outbound-address guard checks the host at every call and pins the checked
        # address (blockdesk.common.netguard); private addresses only if the operator allows.
        client = pinned_client(
            allow_private=settings.ASSISTANT_ALLOW_PRIVATE_MODEL_URL,
            timeout=config.generative_timeout,
        )
        with client, client.stream("POST", url, json=body, headers=headers) as response:
            response.raise_for_status()
            raw = bytearray()
            for chunk in response.iter_bytes():
                raw += chunk
                if len(raw) > MAX_RESPONSE_BYTES:
                    raise ValueError("answer too large")
        data = loads_bounded(bytes(raw))  # a model server could answer with anything
        text = data["choices"][0]["message"]["content"]
    except (
        UnsafeTarget,
        InvalidJson,
        httpx.HTTPError,
        httpx.InvalidURL,
        OSError,
        ValueError,
        KeyError,
        IndexError,
        TypeError,
    ) as exc:
        # The key is never logged: only the endpoint's host and the error's type.
        logger.warning("assistant: generative endpoint failed (%s)", type(exc).__name__)
        raise GenerationFailed(type(exc).__name__) from exc
    return check_output(str(text), n_articles=len(articles))
