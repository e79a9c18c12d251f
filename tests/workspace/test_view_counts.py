"""Issue 14 §0: each view tab's badge counts the rows its list holds (with the filters in
force), the Assistant view lists what the assistant is handling and an agent takes a case
over from it explicitly."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from blockdesk.assistant.configuration import do_set_enabled
from blockdesk.assistant.models import AssistantConversation
from blockdesk.conversations import services
from blockdesk.conversations.models import Contact, Conversation
from blockdesk.events.models import Event
from blockdesk.workspace import selectors as ui
from tests.workspace.conftest import open_conversation

pytestmark = pytest.mark.django_db

TABS = ("mine", "unassigned", "assistant", "all")


def _all_rows(client: Client, query: str) -> list[int]:
    """Every row of a list, following the pages."""
    ids: list[int] = []
    url = f"/app/list.json?{query}"
    while True:
        body = client.get(url).json()
        ids += [r["id"] for r in body["rows"]]
        if not body["next_cursor"]:
            return ids
        url = f"/app/list.json?{query}&cursor={body['next_cursor']}"


def _tabs(html: str) -> dict[str, tuple[str, int]]:
    found = re.findall(
        r'<a href="([^"]+)" class="view-tab[^"]*" data-view="(\w+)"[^>]*>[^<]*'
        r'<span class="count" data-view-count="\w+"[^>]*>(\d+)</span>',
        html,
    )
    return {view: (link.replace("&amp;", "&"), int(n)) for link, view, n in found}


def _check_badges_match_lists(client: Client, query: str) -> dict[str, int]:
    html = client.get(f"/app/?{query}").content.decode()
    tabs = _tabs(html)
    assert set(tabs) == set(TABS)
    counts = {}
    for view, (link, count) in tabs.items():
        rows = _all_rows(client, link.split("?", 1)[1])
        assert count == len(rows), (query, view, link)
        counts[view] = count
    # The live refresh says the same.
    assert client.get(f"/app/counts.json?{query}").json()["counts"] == counts
    return counts


@pytest.fixture
def mixed(channel, account, agent, admin_user):
    """Open, pending, resolved, assigned, read and unread cases, one with a tag."""
    made = []
    for i in range(7):
        contact = Contact.objects.create(account=account, name=f"C{i}")
        made.append(open_conversation(channel, contact, f"question {i}"))
    services.do_assign(actor=agent, conversation=made[0], assignee=agent)
    services.do_assign(actor=agent, conversation=made[1], assignee=admin_user)
    services.do_send_agent_message(agent=agent, conversation=made[2], content="answered")
    services.do_change_status(actor=agent, conversation=made[3], status="resolved")
    services.do_change_status(actor=agent, conversation=made[4], status="pending")
    services.do_set_tags(actor=agent, conversation=made[5], names=["vip"])
    services.do_mark_read(user=agent, conversation=made[6])
    return made


def test_badges_count_the_rows_of_their_lists(agent_client, mixed):
    counts = _check_badges_match_lists(agent_client, "")
    # Open: 7 made, one resolved, one pending; the answered one was taken by its agent.
    assert counts == {"mine": 2, "unassigned": 2, "assistant": 0, "all": 5}
    for query in (
        "status=any",
        "status=pending",
        "status=resolved",
        "tag=vip",
        "q=question+6",
        "view=mine&status=any",
        "priority=urgent",
    ):
        _check_badges_match_lists(agent_client, query)


def test_badges_follow_page_size(agent_client, channel, account, settings):
    for i in range(ui.PAGE_SIZE + 3):
        open_conversation(channel, Contact.objects.create(account=account, name=f"P{i}"), "x")
    counts = _check_badges_match_lists(agent_client, "")
    assert counts["all"] == ui.PAGE_SIZE + 3


def test_the_assistant_view_lists_its_cases_and_an_agent_takes_over(
    agent_client, agent, channel, account
):
    do_set_enabled(inbox_id=channel.inbox.pk, enabled=True)
    bot = open_conversation(channel, Contact.objects.create(account=account, name="B"), "hi")
    stepped = open_conversation(channel, Contact.objects.create(account=account, name="S"), "x")
    assert bot.status == Conversation.Status.PENDING
    AssistantConversation.objects.create(
        account=account, conversation=stepped, state=AssistantConversation.State.HANDED_OFF
    )
    counts = _check_badges_match_lists(agent_client, "")
    assert counts["assistant"] == 2 - 1  # the stepped-back case is not the assistant's
    link = _tabs(agent_client.get("/app/").content.decode())["assistant"][0]
    assert "status=pending" in link
    assert _all_rows(agent_client, link.split("?", 1)[1]) == [bot.pk]

    page = agent_client.get(f"/app/c/{bot.display_id}/").content.decode()
    assert f"/app/assistant/c/{bot.display_id}/take-over" in page
    response = agent_client.post(f"/app/assistant/c/{bot.display_id}/take-over")
    assert response.status_code == 302
    bot.refresh_from_db()
    assert (bot.assignee_id, bot.status) == (agent.pk, "open")
    state = AssistantConversation.objects.get(conversation=bot)
    assert (state.state, state.handoff_reason) == ("handed_off", "agent_took_over")
    handed = Event.objects.filter(name="assistant.handed_off", subject_id=bot.pk)
    assert [e.payload["reason"] for e in handed] == ["agent_took_over"]
    assert _check_badges_match_lists(agent_client, "")["assistant"] == 0
    page = agent_client.get(f"/app/c/{bot.display_id}/").content.decode()
    assert "take-over" not in page


def test_take_over_needs_access_and_a_post(outsider_client, agent_client, channel, account):
    do_set_enabled(inbox_id=channel.inbox.pk, enabled=True)
    bot = open_conversation(channel, Contact.objects.create(account=account, name="B"), "hi")
    assert outsider_client.post(f"/app/assistant/c/{bot.display_id}/take-over").status_code == 404
    assert agent_client.get(f"/app/assistant/c/{bot.display_id}/take-over").status_code == 405
    csrf = Client(enforce_csrf_checks=True)
    csrf.force_login(bot.inbox.members.first())
    assert csrf.post(f"/app/assistant/c/{bot.display_id}/take-over").status_code == 403
    bot.refresh_from_db()
    assert bot.assignee_id is None and bot.status == "pending"
