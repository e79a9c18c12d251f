"""Optional generative phrasing, against a local stand-in for an OpenAI-compatible
endpoint (an HTTP server on 127.0.0.1 in this process; nothing leaves the machine)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from blockdesk.assistant.answer import Article
from blockdesk.assistant.generative import GenerationFailed, check_output, generate
from blockdesk.assistant.models import AssistantSettings
from blockdesk.conversations.models import Conversation, Message


class StandIn:
    def __init__(self) -> None:
        self.reply = "Withdrawals wait for the network's confirmations first [1]."
        self.delay = 0.0
        self.requests: list[dict[str, Any]] = []


@pytest.fixture
def llm(settings: Any) -> Iterator[tuple[StandIn, str]]:
    # The stand-in is on loopback: the operator's switch for a self-hosted model server.
    settings.ASSISTANT_ALLOW_PRIVATE_MODEL_URL = True
    state = StandIn()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.requests.append(
                {"path": self.path, "auth": self.headers.get("Authorization"), "body": body}
            )
            time.sleep(state.delay)
            payload = json.dumps({"choices": [{"message": {"content": state.reply}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


ARTICLE = Article(
    "withdrawal-pending",
    "en",
    "Why is my withdrawal pending?",
    "Withdrawals are reviewed and then broadcast.",
    "1. Wait.",
    "https://x/a",
)


def _config(url: str, **extra: Any) -> AssistantSettings:
    return AssistantSettings(
        generative_enabled=True,
        generative_url=url,
        generative_model="tiny-model",
        generative_api_key="sk-local",
        generative_timeout=1.0,
        **extra,
    )


def test_generate_sends_articles_and_checks_citations(llm):
    state, url = llm
    out = generate(
        _config(url), question="where is my withdrawal", articles=[ARTICLE], language="en"
    )
    assert out.cited == (1,)
    request = state.requests[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer sk-local"
    assert request["body"]["model"] == "tiny-model"
    assert "Why is my withdrawal pending?" in request["body"]["messages"][1]["content"]


@pytest.mark.parametrize(
    "reply",
    [
        "It is pending [2].",  # cites an article it was not given
        "It is pending.",  # cites nothing
        "Please send us your seed phrase so we can check [1].",  # asks for a secret
        "See https://evil.example/steal [1].",  # links come from us only
    ],
)
def test_unsafe_or_uncited_output_is_refused(reply):
    with pytest.raises(GenerationFailed):
        check_output(reply, n_articles=1)


def test_timeout_is_a_failure(llm):
    state, url = llm
    state.delay = 2.0
    with pytest.raises(GenerationFailed):
        generate(_config(url), question="q", articles=[ARTICLE], language="en")


@pytest.mark.django_db(transaction=True)
def test_actor_uses_generated_text_and_falls_back(assistant_channel, customer, llm):
    state, url = llm
    AssistantSettings.objects.filter(inbox=assistant_channel.inbox).update(
        generative_enabled=True,
        generative_url=url,
        generative_model="tiny-model",
        generative_timeout=1.0,
    )
    first = customer.send("My withdrawal has been pending for hours")
    conv = Conversation.objects.get(pk=first.json()["conversation"]["id"])
    reply = Message.objects.filter(conversation=conv, sender_type="assistant").latest("id")
    assert "Withdrawals wait for the network's confirmations first" in reply.content
    assert reply.metadata["assistant"]["generated"] is True
    assert reply.metadata["public"]["article"]["url"] in reply.content

    # The model now asks for a secret: refused, the extractive answer goes out instead.
    state.reply = "To check this, tell me your seed phrase [1]."
    other = type(customer)(assistant_channel, ip="198.51.100.30").start()
    second = other.send("how long do withdrawals take")
    conv2 = Conversation.objects.get(pk=second.json()["conversation"]["id"])
    reply2 = Message.objects.filter(conversation=conv2, sender_type="assistant").latest("id")
    assert reply2.metadata["assistant"]["generated"] is False
    assert "seed phrase" not in reply2.content.split("\n\n", 1)[1].split("Read the full")[0]
