"""The assistant cites an accepted community answer (issue 15) when no article answers:
through the widget with the starter KB and model, as the other actor tests. The article
still wins when one answers; the answer is introduced as a customer's, links to the
thread, never passes for official advice; the secret and outbound guards and the scam list
still apply; held or unaccepted answers are never cited."""

from __future__ import annotations

import pytest

from blockdesk.accounts.models import Account
from blockdesk.assistant.models import AssistantConversation, AssistantTurn
from blockdesk.conversations.models import Conversation, Message
from blockdesk.customers.models import CustomerAccount
from blockdesk.events.models import Event
from blockdesk.forum import services as forum
from blockdesk.forum.models import Answer, Category, Question
from blockdesk.forum.models.posts import Status
from blockdesk.trust import scam_services
from tests.forum.conftest import member
from tests.widget.conftest import Visitor

pytestmark = pytest.mark.django_db(transaction=True)

TAX_EN = "Where can I download the annual tax statement for my trades?"
TAX_ZH = "在哪里下载年度税务报表"


def _thread(
    account: Account, language: str, title: str, body: str, answer: str, accept: bool = True
) -> tuple[Question, Answer]:
    category = Category.objects.filter(account=account, language=language).first()
    if category is None:
        category = forum.do_create_category(
            account_id=account.pk, language=language, slug=f"general-{language}", name="General"
        )
    asker: CustomerAccount = member(account, 1)
    question = forum.do_ask(author=asker, category=category, title=title, body=body)
    reply = forum.do_answer(question=question, author=member(account, 1), body=answer)
    if accept:
        forum.do_accept(question=question, answer=reply, by=asker)
    return question, reply


def _tax_thread(account: Account, answer: str = "", accept: bool = True) -> tuple[Question, Answer]:
    return _thread(
        account, "en",
        "Download the annual tax statement for trades",
        "Where do I find the annual tax statement of my trades for my tax return?",
        answer or "Go to Account > Reports > Tax statement and pick the year. It is a CSV.",
        accept,
    )  # fmt: skip


def _ask(customer: Visitor, text: str) -> Conversation:
    response = customer.send(text)
    assert response.status_code == 201
    return Conversation.objects.get(pk=response.json()["conversation"]["id"])


def _replies(conv: Conversation) -> list[Message]:
    return list(
        Message.objects.filter(
            conversation=conv, sender_type="assistant", is_private=False
        ).order_by("id")
    )


def test_cites_an_accepted_community_answer_when_no_article_answers(
    assistant_channel, customer, settings
):
    account = assistant_channel.inbox.account
    question, answer = _tax_thread(account)
    conv = _ask(customer, TAX_EN)

    [reply] = _replies(conv)
    turn = AssistantTurn.objects.get(conversation=conv)
    assert (turn.action, turn.article_key) == ("answer", f"community:{question.pk}")
    text = reply.content
    assert "community answer written by another customer, not official advice" in text
    assert "Account > Reports > Tax statement" in text
    url = f"https://help.example.com/community/en/q/{question.pk}/"
    assert f"Read the whole thread: {question.title} {url}" in text
    assert "Read the full article" not in text
    public = reply.metadata["public"]
    assert public["community"] == {"question_id": question.pk, "title": question.title, "url": url}
    assert "article" not in public
    assert [q["id"] for q in public["quick_replies"]] == ["solved", "more_help"]
    assert reply.metadata["assistant"]["community"]["answer_id"] == answer.pk
    [event] = Event.objects.filter(name="assistant.answered", subject_id=conv.pk)
    assert event.payload["kind"] == "community"
    assert event.payload["community_question_ids"] == [question.pk]
    assert event.payload["article_keys"] == []
    state = AssistantConversation.objects.get(conversation=conv)
    assert state.awaiting == "confirmation" and state.offered == [f"community:{question.pk}"]

    # Asked again: the same thread is not offered twice, a person takes it.
    customer.send("where can I download the annual tax statement", conversation_id=conv.pk)
    last = AssistantTurn.objects.filter(conversation=conv).order_by("-id").first()
    assert last is not None and last.action == "handoff"


def test_cites_a_chinese_answer_in_chinese(assistant_channel, customer):
    account = assistant_channel.inbox.account
    question, _ = _thread(
        account, "zh-hans",
        "在哪里下载年度税务报表",
        "报税需要年度税务报表，请问在哪里下载？",
        "在 账户 > 报表 > 税务报表 里选择年份即可下载 CSV 文件。",
    )  # fmt: skip
    conv = _ask(customer, TAX_ZH)
    [reply] = _replies(conv)
    assert AssistantTurn.objects.get(conversation=conv).article_key == f"community:{question.pk}"
    assert "以下是其他用户写的社区回答，并非我们团队的官方建议" in reply.content
    assert f"/community/zh-hans/q/{question.pk}/" in reply.content
    assert "税务报表 里选择年份" in reply.content


def test_an_article_that_answers_wins_over_the_community(assistant_channel, customer):
    account = assistant_channel.inbox.account
    _thread(
        account, "zh-hans",
        "充值三天了还没到账怎么办",
        "我充值三天了还没到，怎么办？",
        "我的也是，后来等了一天就到账了。",
    )  # fmt: skip
    conv = _ask(customer, "充值三天了还没到")
    turn = AssistantTurn.objects.get(conversation=conv)
    assert (turn.action, turn.article_key) == ("answer", "deposit-not-arrived")
    assert "community" not in _replies(conv)[0].metadata["public"]


def test_unaccepted_held_and_scam_threads_are_not_cited(assistant_channel, customer, admin_user):
    account = assistant_channel.inbox.account
    _tax_thread(account, accept=False)
    held, _ = _thread(
        account, "en",
        "Annual tax statement download for trades", "Where is the tax statement?", "Reports.",
    )  # fmt: skip
    Question.objects.filter(pk=held.pk).update(status=Status.HELD)
    _thread(
        account, "en",
        "Annual tax statement for trades download link",
        "Where can I download the tax statement of trades?",
        "Download it from tax-statement-exchange.example after logging in.",
    )  # fmt: skip
    # Confirmed as a scam after it was published: the assistant does not cite the thread.
    scam_services.do_report_scam(
        account_id=account.pk, actor=admin_user, value="tax-statement-exchange.example", note="Fake"
    )

    conv = _ask(customer, TAX_EN)
    turn = AssistantTurn.objects.get(conversation=conv)
    assert turn.action == "handoff" and turn.handoff_reason in ("low_confidence", "out_of_scope")
    assert "community" not in _replies(conv)[0].metadata["public"]
    assert "tax-statement-exchange" not in _replies(conv)[0].content


def test_the_guards_apply_to_a_cited_answer(assistant_channel, customer):
    account = assistant_channel.inbox.account
    question, answer = _tax_thread(account)
    # Written past the forum's own checks (an older post, an import): the assistant's guards
    # must still hold. A seed phrase is redacted and a request for one is never quoted.
    seed = "abandon " * 11 + "about"
    Answer.objects.filter(pk=answer.pk).update(
        body=f"Tax statement under Reports. My phrase was {seed}. Send me your seed phrase "
        "and I will download the statement for you. https://example.org/x"
    )
    conv = _ask(customer, TAX_EN)
    [reply] = _replies(conv)
    turn = AssistantTurn.objects.get(conversation=conv)
    assert turn.article_key == f"community:{question.pk}"
    assert "abandon abandon" not in reply.content
    assert "Send me your seed phrase" not in reply.content
    assert "https://example.org" not in reply.content
    assert f"/community/en/q/{question.pk}/" in reply.content
