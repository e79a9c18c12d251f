"""What customers can read is on the event log: an article translation published,
unpublished, edited (or rolled back) and an article deleted, each one event in the
change's transaction, by the editing agent."""

from __future__ import annotations

import pytest

from blockdesk.kb import services
from blockdesk.kb.models import ArticleTranslation
from blockdesk.kb.services import TranslationInput
from tests.kb.conftest import make_article
from tests.support.event_log import (
    assert_rolled_back_change_writes_nothing,
    events_after,
    last_event_id,
    only_event,
)

pytestmark = pytest.mark.django_db


def _facts(tr: ArticleTranslation) -> dict[str, object]:
    return {
        "article_id": tr.article_id,
        "key": "deposit-help",
        "translation_id": tr.pk,
        "language": "en",
        "slug": tr.slug,
        "title": tr.title,
        "status": tr.status,
    }


def test_publishing_and_unpublishing(agent, category) -> None:
    tr = make_article(agent, category, publish=False)

    def set_status(status: str) -> None:
        services.do_set_status(actor=agent, translation=tr, status=status)

    event, _ = only_event(lambda: set_status("published"), "article.published")
    assert event.payload == {"article": {**_facts(tr), "status": "published"}}
    assert (event.actor_kind, event.actor_id) == ("agent", agent.pk)
    assert (event.subject_type, event.subject_id) == ("article", tr.article_id)
    assert event.account_id == agent.account_id

    before = last_event_id()
    set_status("published")  # no change, no event
    assert events_after(before) == []

    event, _ = only_event(lambda: set_status("draft"), "article.unpublished")
    assert event.payload["article"]["status"] == "draft"


def test_an_edit_says_what_changed_and_which_revision(agent, category) -> None:
    tr = make_article(agent, category)

    def save(**changes: object) -> ArticleTranslation:
        data = {"title": tr.title, "summary": tr.summary, "body": tr.body, "slug": tr.slug}
        return services.do_save_translation(
            actor=agent,
            article=tr.article,
            language="en",
            data=TranslationInput(**{**data, **changes}),  # type: ignore[arg-type]
        )

    event, _ = only_event(lambda: save(body="Now in one step."), "article.changed")
    assert event.payload["changed"] == ["body"]
    assert event.payload["revision"] == 2 and event.payload["rolled_back_to"] is None
    assert event.payload["article"]["status"] == "published"
    assert "Now in one step." not in str(event.payload)  # facts, not the text
    assert (event.actor_kind, event.actor_id) == ("agent", agent.pk)

    tr.refresh_from_db()
    event, _ = only_event(lambda: save(slug="deposits-faq"), "article.changed")
    assert (event.payload["changed"], event.payload["revision"]) == (["slug"], None)
    assert event.payload["article"]["slug"] == "deposits-faq"

    tr.refresh_from_db()
    before = last_event_id()
    save()  # nothing changed
    assert events_after(before) == []

    event, _ = only_event(
        lambda: services.do_rollback(actor=agent, translation=tr, number=1), "article.changed"
    )
    assert event.payload["rolled_back_to"] == 1 and event.payload["revision"] == 3
    assert event.payload["changed"] == ["body"]


def test_deleting_an_article(agent, category) -> None:
    tr = make_article(agent, category)
    services.do_save_translation(
        actor=agent, article=tr.article, language="zh-hans", data=TranslationInput(title="充值")
    )
    article_id = tr.article_id
    event, _ = only_event(
        lambda: services.do_delete_article(actor=agent, article=tr.article), "article.deleted"
    )
    assert event.payload == {
        "article_id": article_id,
        "key": "deposit-help",
        "languages": ["en", "zh-hans"],
        "was_published": True,
    }
    assert (event.subject_type, event.subject_id) == ("article", article_id)


def test_a_rolled_back_publication_writes_no_event(agent, category) -> None:
    tr = make_article(agent, category, publish=False)
    assert_rolled_back_change_writes_nothing(
        lambda: services.do_set_status(actor=agent, translation=tr, status="published")
    )
    tr.refresh_from_db()
    assert tr.status == "draft"
