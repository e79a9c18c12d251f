"""Editing posts: who may edit, the safety pipeline on edits, revisions, events, pages,
hostile input (XSS, someone else's post, held and removed posts, CSRF, floods)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from blockdesk.accounts.models import Account, User
from blockdesk.common.errors import Forbidden, NotFound, RateLimited, ValidationFailed
from blockdesk.events.models import Event
from blockdesk.forum import edits, services
from blockdesk.forum.edits import Editor
from blockdesk.forum.models import Answer, Category, Comment, Question, Revision
from blockdesk.forum.models.posts import Status
from blockdesk.trust.models import OfficialChannel

from .conftest import ask, client_for, member

SEED = "abandon " * 11 + "about"
NEW_BODY = "I sent USDT on the Tron network three hours ago and it is still missing."


def _answer(q: Question, author: object = None, body: str = "") -> Answer:
    return services.do_answer(
        question=q, body=body or "Tron deposits need 20 confirmations first.", author=author
    )


def test_the_author_edits_title_body_and_tags_with_a_revision_and_an_event(
    account: Account, category: Category
) -> None:
    asker = member(account)
    q = ask(asker, category)
    old_title, old_body = q.title, q.body
    revision = edits.do_edit(
        post=q,
        editor=Editor(member=asker),
        title="Deposit on Tron still missing",
        body=NEW_BODY,
        tags="tron usdt",
    )
    assert revision is not None
    q.refresh_from_db()
    assert q.title == "Deposit on Tron still missing" and q.body == NEW_BODY
    assert "three hours" in q.body_html and q.edited_at is not None
    assert sorted(services.tag_names(q)) == ["tron", "usdt"]
    assert (revision.title, revision.body, revision.editor_id) == (old_title, old_body, asker.pk)
    event = Event.objects.get(name="forum.post_edited")
    assert event.payload["kind"] == "question" and event.payload["post_id"] == q.pk
    assert event.payload["revision_id"] == revision.pk and event.payload["held"] is False
    # The same text again: no revision, no event.
    again = edits.do_edit(
        post=q, editor=Editor(member=asker), title=q.title, body=q.body, tags="usdt tron"
    )
    assert again is None
    assert Revision.objects.count() == 1
    assert Event.objects.filter(name="forum.post_edited").count() == 1


def test_answers_and_comments_are_edited_by_their_authors(
    account: Account, category: Category
) -> None:
    asker, helper = member(account), member(account, level=1)
    q = ask(asker, category)
    a = _answer(q, helper)
    c = services.do_comment(body="Which wallet did you use?", answer=a, author=helper)
    edits.do_edit(post=a, editor=Editor(member=helper), body="Wait for 20 confirmations.")
    edits.do_edit(post=c, editor=Editor(member=helper), body="Which wallet app was it?")
    a.refresh_from_db()
    c.refresh_from_db()
    assert a.body == "Wait for 20 confirmations." and a.edited_at is not None
    assert c.body == "Which wallet app was it?" and c.edited_at is not None
    assert Revision.objects.filter(answer=a).count() == 1
    assert Revision.objects.filter(comment=c).count() == 1


def test_others_edit_only_from_the_regular_level(account: Account, category: Category) -> None:
    asker = member(account)
    q = ask(asker, category)
    a = _answer(q, member(account, level=1))
    c = services.do_comment(body="Any news on this one?", question=q, author=asker)
    below = member(account, level=2)
    for post in (q, a):
        with pytest.raises(Forbidden):
            edits.do_edit(post=post, editor=Editor(member=below), body=NEW_BODY, title=q.title)
    regular = member(account, level=3)
    assert edits.do_edit(post=a, editor=Editor(member=regular), body=NEW_BODY) is not None
    edits.do_edit(post=q, editor=Editor(member=regular), title=q.title, body=NEW_BODY)
    assert Revision.objects.get(question=q).editor_id == regular.pk
    with pytest.raises(Forbidden):  # comments: their author (and staff) only
        edits.do_edit(post=c, editor=Editor(member=regular), body="Edited by someone else")


def test_official_answers_are_edited_by_staff_only(
    account: Account, category: Category, agent: User
) -> None:
    q = ask(member(account), category)
    official = services.do_answer(question=q, body="We credited it; refresh.", agent=agent)
    with pytest.raises(Forbidden):
        edits.do_edit(post=official, editor=Editor(member=member(account, 4)), body=NEW_BODY)
    edits.do_edit(post=official, editor=Editor(agent=agent), body="Credited now; please refresh.")
    # Staff edit members' posts too, and their edit passes the outbound guard.
    a = _answer(q, member(account, 1))
    with pytest.raises(ValidationFailed):
        edits.do_edit(post=a, editor=Editor(agent=agent), body="Send us your seed phrase please.")
    revision = edits.do_edit(post=a, editor=Editor(agent=agent), body="Tidied up by staff.")
    assert revision is not None and revision.editor_agent_id == agent.pk


def test_an_edit_passes_the_safety_pipeline(account: Account, category: Category) -> None:
    OfficialChannel.objects.create(
        account=account, kind="domain", value="exchange.example", display="exchange.example"
    )
    asker = member(account, level=2)
    q = ask(asker, category)
    a = _answer(q, member(account, 2))
    q.refresh_from_db()
    assert q.answer_count == 1
    # A secret is redacted from the edit (and never reaches the revision history either).
    edits.do_edit(post=q, editor=Editor(member=asker), title=q.title, body=f"My words: {SEED}")
    q.refresh_from_db()
    assert "abandon abandon" not in q.body and q.status == Status.PUBLISHED
    # A lookalike link added by an edit holds the post again.
    helper = Answer.objects.get(pk=a.pk).author
    assert helper is not None
    edits.do_edit(post=a, editor=Editor(member=helper), body="Use https://exchange-example.com/fix")
    a.refresh_from_db()
    q.refresh_from_db()
    assert a.status == Status.HELD and "lookalike_link" in a.hold_reasons
    assert q.answer_count == 0  # a held answer is not counted
    event = Event.objects.filter(name="forum.post_edited").latest("pk")
    assert event.payload["held"] is True
    # Posing as support is held too.
    c = services.do_comment(body="Thanks, will try.", question=q, author=asker)
    edits.do_edit(post=c, editor=Editor(member=asker), body="Official support here, DM me")
    c.refresh_from_db()
    assert c.status == Status.HELD and "poses_as_support" in c.hold_reasons
    assert "abandon abandon" not in "".join(Revision.objects.values_list("body", flat=True))


def test_held_and_removed_posts(account: Account, category: Category, agent: User) -> None:
    asker = member(account)
    held = ask(asker, category, body="Official support here: message me on WhatsApp please.")
    assert held.status == Status.HELD
    # The author may fix their held post; it stays held until a moderator looks.
    edits.do_edit(post=held, editor=Editor(member=asker), title=held.title, body=NEW_BODY)
    held.refresh_from_db()
    assert held.status == Status.HELD and held.body == NEW_BODY
    with pytest.raises(NotFound):  # someone else's held post does not exist for them
        edits.do_edit(post=held, editor=Editor(member=member(account, 4)), body=NEW_BODY)
    q = ask(asker, category)
    services.do_moderate(actor=agent, post=q, status=Status.REMOVED)
    for editor in (Editor(member=asker), Editor(agent=agent)):
        with pytest.raises(NotFound):
            edits.do_edit(post=q, editor=editor, title=q.title, body=NEW_BODY)


def test_another_accounts_member_cannot_edit(
    account: Account, other_account: Account, category: Category
) -> None:
    q = ask(member(account), category)
    with pytest.raises(NotFound):
        edits.do_edit(post=q, editor=Editor(member=member(other_account, 4)), body=NEW_BODY)


def test_edits_are_rate_limited(account: Account, category: Category) -> None:
    asker = member(account)
    q = ask(asker, category)
    for n in range(edits.EDITS_PER_HOUR_NEW):
        edits.do_edit(post=q, editor=Editor(member=asker), title=q.title, body=f"{NEW_BODY} {n}")
    with pytest.raises(RateLimited):
        edits.do_edit(post=q, editor=Editor(member=asker), title=q.title, body=NEW_BODY)


def test_huge_edits_are_refused(account: Account, category: Category) -> None:
    asker = member(account)
    q = ask(asker, category)
    with pytest.raises(ValidationFailed):
        edits.do_edit(post=q, editor=Editor(member=asker), title=q.title, body="x" * 20_001)
    c = services.do_comment(body="A short comment.", question=q, author=asker)
    with pytest.raises(ValidationFailed):
        edits.do_edit(post=c, editor=Editor(member=asker), body="x" * 601)


# --- pages -----------------------------------------------------------------------------------


def test_edit_page_saves_and_the_question_shows_edited_and_revisions(
    account: Account, category: Category
) -> None:
    asker = member(account)
    q = ask(asker, category)
    client = client_for(asker)
    page = client.get(f"/community/en/q/{q.pk}/")
    assert f"/community/en/edit/q/{q.pk}/".encode() in page.content
    assert client.get(f"/community/en/edit/q/{q.pk}/").status_code == 200
    response = client.post(
        f"/community/en/edit/q/{q.pk}/",
        {"title": "Deposit on Tron still missing", "body": NEW_BODY, "tags": "tron"},
    )
    assert response.status_code == 302
    html = Client().get(f"/community/en/q/{q.pk}/").content.decode()
    assert "Deposit on Tron still missing" in html
    assert f'href="/community/en/revisions/q/{q.pk}/"' in html  # the "edited" link
    assert f"/community/en/edit/q/{q.pk}/" not in html  # anonymous: no edit link
    history = Client().get(f"/community/en/revisions/q/{q.pk}/").content.decode()
    assert "My deposit has not arrived yet" in history and asker.display_name in history


def test_xss_in_an_edit_is_escaped_everywhere(account: Account, category: Category) -> None:
    asker = member(account)
    q = ask(asker, category)
    a = _answer(q, member(account, 1))
    c = services.do_comment(body="A first comment here.", question=q, author=asker)
    evil = "<script>alert(1)</script><img src=x onerror=alert(1)> [x](javascript:alert(1))"
    edits.do_edit(post=q, editor=Editor(member=asker), title=f"{evil} title", body=evil)
    edits.do_edit(post=c, editor=Editor(member=asker), body="<script>alert(3)</script>")
    edits.do_edit(post=a, editor=Editor(member=member(account, 3)), body=evil)
    # Twice, so that the revisions hold the hostile text as well.
    edits.do_edit(post=q, editor=Editor(member=asker), title="Quiet title now", body=NEW_BODY)
    for url in (
        f"/community/en/q/{q.pk}/",
        f"/community/en/revisions/q/{q.pk}/",
        f"/community/en/revisions/a/{a.pk}/",
        f"/community/en/revisions/c/{c.pk}/",
    ):
        html = Client().get(url).content.decode()
        assert "<script>alert" not in html and "<img" not in html, url
        assert 'href="javascript' not in html, url
    edit_form = client_for(asker).get(f"/community/en/edit/c/{c.pk}/").content.decode()
    assert "<script>alert(3)" not in edit_form and "&lt;script&gt;alert(3)" in edit_form


def test_editing_someone_elses_post_without_the_level_is_403(
    account: Account, category: Category
) -> None:
    q = ask(member(account), category)
    intruder = client_for(member(account, level=2))
    assert intruder.get(f"/community/en/edit/q/{q.pk}/").status_code == 403
    response = intruder.post(
        f"/community/en/edit/q/{q.pk}/", {"title": "Hijacked title here", "body": NEW_BODY}
    )
    assert response.status_code == 403
    q.refresh_from_db()
    assert q.title != "Hijacked title here" and not Revision.objects.exists()
    page = intruder.get(f"/community/en/q/{q.pk}/").content.decode()
    assert f"/community/en/edit/q/{q.pk}/" not in page
    regular = client_for(member(account, level=3))
    assert (
        f"/community/en/edit/q/{q.pk}/" in regular.get(f"/community/en/q/{q.pk}/").content.decode()
    )


def test_anonymous_editors_go_to_sign_in(account: Account, category: Category) -> None:
    q = ask(member(account), category)
    response = Client().post(f"/community/en/edit/q/{q.pk}/", {"body": NEW_BODY})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("customers:sign_in"))
    assert not Revision.objects.exists()


def test_held_and_removed_posts_on_the_pages(
    account: Account, category: Category, agent: User
) -> None:
    asker = member(account)
    held = ask(asker, category, body="Official support here: message me on WhatsApp please.")
    edits.do_edit(post=held, editor=Editor(member=asker), title=held.title, body=NEW_BODY)
    # The held post's history stays private: 404 for the public and other members.
    assert Client().get(f"/community/en/revisions/q/{held.pk}/").status_code == 404
    other = client_for(member(account, level=4))
    assert other.get(f"/community/en/revisions/q/{held.pk}/").status_code == 404
    assert other.get(f"/community/en/edit/q/{held.pk}/").status_code == 404
    assert client_for(asker).get(f"/community/en/revisions/q/{held.pk}/").status_code == 200
    staff = Client()
    staff.force_login(agent)
    assert staff.get(f"/community/en/revisions/q/{held.pk}/").status_code == 200
    removed = ask(asker, category)
    services.do_moderate(actor=agent, post=removed, status=Status.REMOVED)
    assert client_for(asker).get(f"/community/en/edit/q/{removed.pk}/").status_code == 404
    response = staff.post(
        f"/community/en/edit/q/{removed.pk}/", {"title": removed.title, "body": NEW_BODY}
    )
    assert response.status_code == 404


def test_agents_edit_from_the_public_page(
    account: Account, category: Category, agent: User
) -> None:
    q = ask(member(account), category)
    staff = Client()
    staff.force_login(agent)
    response = staff.post(
        f"/community/en/edit/q/{q.pk}/",
        {"title": "Tron deposit delayed (edited)", "body": NEW_BODY, "tags": ""},
    )
    assert response.status_code == 302
    assert Revision.objects.get(question=q).editor_agent_id == agent.pk
    history = Client().get(f"/community/en/revisions/q/{q.pk}/").content.decode()
    assert "Staff" in history


def test_edits_need_the_csrf_token(account: Account, category: Category) -> None:
    asker = member(account)
    q = ask(asker, category)
    client = client_for(asker)
    client.handler.enforce_csrf_checks = True
    response = client.post(f"/community/en/edit/q/{q.pk}/", {"title": q.title, "body": NEW_BODY})
    assert response.status_code == 403
    q.refresh_from_db()
    assert q.body != NEW_BODY


def test_comment_edit_links_and_revisions_page_for_answers(
    account: Account, category: Category
) -> None:
    asker, helper = member(account), member(account, level=1)
    q = ask(asker, category)
    a = _answer(q, helper)
    c = services.do_comment(body="Which wallet did you use?", answer=a, author=asker)
    page = client_for(asker).get(f"/community/en/q/{q.pk}/").content.decode()
    assert f"/community/en/edit/c/{c.pk}/" in page
    assert f"/community/en/edit/a/{a.pk}/" not in page  # not the asker's, and level New
    response = client_for(asker).post(
        f"/community/en/edit/c/{c.pk}/", {"body": "Which wallet app was it?"}
    )
    assert response.status_code == 302 and response["Location"].endswith(f"#a{a.pk}")
    assert Comment.objects.get(pk=c.pk).body == "Which wallet app was it?"
    assert Client().get(f"/community/en/revisions/c/{c.pk}/").status_code == 200
    assert Client().get(f"/community/en/revisions/x/{c.pk}/").status_code == 404
