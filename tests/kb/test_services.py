from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from blockdesk.common.errors import NotFound, RateLimited, ValidationFailed
from blockdesk.conversations import services as conv
from blockdesk.kb import selectors, services
from blockdesk.kb.models import ArticleFeedback, ArticleTranslation, SlugRedirect
from blockdesk.kb.services import TranslationInput
from tests.kb.conftest import make_article
from tests.support.live_server import fresh_cache_namespace

pytestmark = pytest.mark.django_db


def _edit(agent, tr, **changes):
    data = {
        "title": tr.title,
        "summary": tr.summary,
        "body": tr.body,
        "example_questions": tuple(tr.example_questions),
        "slug": tr.slug,
    }
    data.update(changes)
    return services.do_save_translation(
        actor=agent, article=tr.article, language=tr.language, data=TranslationInput(**data)
    )


def test_every_content_change_is_a_revision_and_rollback_restores(agent, admin_user, article):
    _edit(agent, article, body="Second version")
    _edit(admin_user, article, title="Renamed", body="Third version")
    _edit(admin_user, article, title="Renamed", body="Third version")  # no change, no revision
    article.refresh_from_db()
    assert [r.number for r in article.revisions.all()] == [3, 2, 1]
    assert article.slug == "deposit-help"  # a title edit keeps the slug
    assert article.author == agent and article.editor == admin_user

    rev = services.do_rollback(actor=agent, translation=article, number=1)
    article.refresh_from_db()
    assert rev.number == 4 and "1" in rev.note
    assert article.title == "Where is my deposit?"
    assert article.body.startswith("## Steps")
    assert "<h2" in article.body_html and "Third" not in article.body_html
    diff = selectors.revision_diff(old=article.revisions.get(number=3), new=article)
    assert ("del", "-Third version") in diff and ("add", "+1. Wait") in diff


def test_slug_change_keeps_old_slug_as_redirect(agent, article):
    _edit(agent, article, slug="deposit-missing")
    assert SlugRedirect.objects.get(old_slug="deposit-help").translation == article
    # Taking back the old slug removes the redirect rather than looping.
    _edit(agent, article, slug="deposit-help")
    assert list(SlugRedirect.objects.values_list("old_slug", flat=True)) == ["deposit-missing"]


def test_duplicate_slug_and_external_images_are_refused(agent, category, article):
    other = make_article(agent, category, key="other", title="Other")
    with pytest.raises(ValidationFailed) as exc:
        _edit(agent, other, slug="deposit-help")
    assert "slug" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        _edit(agent, other, body="![x](https://cdn.example/p.png)")
    assert "body" in exc.value.fields


def test_reindex_runs_after_commit(agent, category, reindexed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        tr = make_article(agent, category, publish=False)
    assert reindexed == []
    with django_capture_on_commit_callbacks(execute=True):
        services.do_set_status(actor=agent, translation=tr, status="published")
    with django_capture_on_commit_callbacks(execute=True):
        _edit(agent, tr, body="new")
    assert reindexed == [[tr.article_id], [tr.article_id]]


def test_other_accounts_cannot_touch_articles(article, other_account):
    from blockdesk.accounts.services import do_create_agent

    stranger = do_create_agent(
        account=other_account, username="eve", email="eve@x.com", password="pw-1234567-x"
    )
    with pytest.raises(NotFound):
        services.do_set_status(actor=stranger, translation=article, status="draft")
    with pytest.raises(NotFound):
        selectors.get_article_for_agent(user=stranger, article_id=article.article_id)


def test_stale_list_and_mark_reviewed(agent, category, article):
    recent = make_article(agent, category, key="recent", title="Recent")
    services.do_mark_reviewed(actor=agent, translation=recent)
    old = make_article(agent, category, key="old", title="Old")
    services.do_mark_reviewed(
        actor=agent, translation=old, on=timezone.localdate() - dt.timedelta(days=400)
    )
    stale = list(selectors.stale_translations(user=agent, days=180))
    # never reviewed first, then the oldest review; the recently reviewed one is not stale
    assert [t.article.key for t in stale] == ["deposit-help", "old"]
    recent.refresh_from_db()
    assert recent.reviewed_by == agent and recent.last_reviewed == timezone.localdate()


def test_votes_are_counted_once_per_visitor_and_can_change(article, ip):
    a, b = services.visitor_hash("session-a"), services.visitor_hash("session-b")
    services.do_vote(translation=article, visitor=a, ip=ip, helpful=True)
    services.do_vote(translation=article, visitor=a, ip=ip, helpful=False, comment="unclear")
    services.do_vote(translation=article, visitor=b, ip=ip, helpful=False)
    article.refresh_from_db()
    assert (article.helpful_count, article.not_helpful_count) == (0, 2)
    assert ArticleFeedback.objects.count() == 2
    assert ArticleFeedback.objects.get(visitor_hash=a).comment == "unclear"
    assert "session-a" not in a  # only a keyed hash of the session is stored


def test_votes_are_rate_limited(article, ip, settings):
    settings.PUBLIC_RATE_LIMIT = 4
    # Fixed windows: a long one, so no boundary passes between the requests; its own
    # cache namespace, so no count left in a shared Redis by another test counts here.
    settings.PUBLIC_RATE_WINDOW = 3600
    fresh_cache_namespace(settings)
    for n in range(4):
        services.do_vote(
            translation=article, visitor=services.visitor_hash(f"s{n}-{ip}"), ip=ip, helpful=True
        )
    with pytest.raises(RateLimited):
        services.do_vote(translation=article, visitor="x" + ip, ip=ip, helpful=True)
    assert ArticleTranslation.objects.get(pk=article.pk).helpful_count == 4


def test_drafts_cannot_be_voted_on(agent, category, ip):
    draft = make_article(agent, category, key="draft", publish=False)
    with pytest.raises(NotFound):
        services.do_vote(translation=draft, visitor="v", ip=ip, helpful=True)


def test_feedback_report_lists_least_helpful_first(agent, category, ip):
    good = make_article(agent, category, key="good", title="Good")
    bad = make_article(agent, category, key="bad", title="Bad")
    make_article(agent, category, key="unvoted", title="Unvoted")
    for n, (tr, helpful) in enumerate([(good, True), (good, True), (bad, False), (bad, True)]):
        services.do_vote(translation=tr, visitor=f"v{n}", ip=ip, helpful=helpful)
    assert [t.article.key for t in selectors.feedback_report(user=agent)] == ["bad", "good"]


def _resolved_conversation(channel, contact, agent, *, resolve=True):
    sent = conv.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None,
        content="How long does a BTC deposit take?\nIt has been an hour.",
    )  # fmt: skip
    conversation = sent.message.conversation
    conv.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=conversation, content="hello?"
    )
    conv.do_send_agent_message(agent=agent, conversation=conversation, content="Looking.")
    conv.do_send_agent_message(
        agent=agent, conversation=conversation, content="Secret note", private=True
    )
    conv.do_send_agent_message(
        agent=agent, conversation=conversation,
        content="BTC deposits need 2 confirmations. That is about 20 minutes.",
    )  # fmt: skip
    if resolve:
        conv.do_change_status(actor=agent, conversation=conversation, status="resolved")
    return conversation


def test_article_from_resolved_conversation(channel, contact, agent, category):
    conversation = _resolved_conversation(channel, contact, agent)
    tr = services.do_create_article_from_conversation(actor=agent, conversation=conversation)
    assert tr.status == "draft" and tr.language == "en"
    assert tr.title == "How long does a BTC deposit take?"
    assert tr.example_questions == ["How long does a BTC deposit take?\nIt has been an hour."]
    assert tr.body == "BTC deposits need 2 confirmations. That is about 20 minutes."
    assert tr.summary == "BTC deposits need 2 confirmations."
    assert "Secret" not in tr.body
    assert tr.article.key == "how-long-does-a-btc-deposit-take" and tr.author == agent
    again = services.do_create_article_from_conversation(actor=agent, conversation=conversation)
    assert again.article.key == "how-long-does-a-btc-deposit-take-2"


def test_article_from_conversation_needs_resolved_and_access(
    channel, contact, agent, outsider, category
):
    conversation = _resolved_conversation(channel, contact, agent, resolve=False)
    with pytest.raises(ValidationFailed):
        services.do_create_article_from_conversation(actor=agent, conversation=conversation)
    conv.do_change_status(actor=agent, conversation=conversation, status="resolved")
    with pytest.raises(NotFound):  # not a member of the inbox
        services.do_create_article_from_conversation(actor=outsider, conversation=conversation)


def test_chinese_conversation_makes_chinese_draft(channel, agent, account, category):
    from blockdesk.conversations.models import Contact

    contact = Contact.objects.create(account=account, name="王")
    sent = conv.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="充币多久到账？"
    )
    c = sent.message.conversation
    conv.do_send_agent_message(agent=agent, conversation=c, content="一般需要20分钟。请耐心等待。")
    conv.do_change_status(actor=agent, conversation=c, status="resolved")
    tr = services.do_create_article_from_conversation(actor=agent, conversation=c)
    assert tr.language == "zh-hans" and tr.summary == "一般需要20分钟。"
    assert tr.article.key.startswith("article")
