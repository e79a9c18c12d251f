"""The console's guide editor and welcome-step editing, through the real pages: a guide
built in the console (lessons from KB articles, a quiz) appears at /learn/ and its quiz can
be taken; refused input comes back as field errors; administrators only (agents 403),
another account's objects 404; user text escaped; every write leaves its event; the welcome
sender follows the edited order and delay."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from blockdesk.conversations import contact_services
from blockdesk.education import guide_admin, onboarding, welcome
from blockdesk.education.event_consumers import CONSUMER
from blockdesk.education.models import (
    Guide,
    GuideCompletion,
    Lesson,
    LessonProgress,
    WelcomeEnrollment,
    WelcomeStep,
)
from blockdesk.events.models import Event
from blockdesk.kb.models import Article, ArticleTranslation, Category
from tests.conftest import PASSWORD
from tests.education.conftest import sign_in
from tests.support.event_log import drain

pytestmark = pytest.mark.django_db(transaction=True)


def _article(account, key: str, title: str, language: str = "en") -> Article:  # type: ignore[no-untyped-def]
    category, _c = Category.objects.get_or_create(
        account=account, key="start", defaults={"names": {"en": "Start"}}
    )
    article = Article.objects.create(account=account, key=key, category=category)
    ArticleTranslation.objects.create(
        account=account,
        article=article,
        language=language,
        slug=key,
        title=title,
        status="published",
        body="b",
        body_html=f"<p>Body of {title}</p>",
    )
    return article


def _quiz_form(article: Article, **extra: str) -> dict[str, str]:
    return {
        "article": str(article.pk),
        "q0_text": "Who may ask for your seed phrase?",
        "q0_choice0": "Support",
        "q0_choice1": "Nobody",
        "q0_choice2": "",
        "q0_correct": "1",
        **extra,
    }


def _admin_client(client, admin_user):  # type: ignore[no-untyped-def]
    client.login(username=admin_user.username, password=PASSWORD)
    return client


def _new_guide(client, **values: str) -> Guide:  # type: ignore[no-untyped-def]
    form = {
        "title": "Safe wallets",
        "language": "en",
        "slug": "safe-wallets",
        "summary": "Two lessons",
        "published": "on",
        **values,
    }
    response = client.post("/app/education/guides/new", form)
    assert response.status_code == 302, response.content
    return Guide.objects.get(slug=form["slug"])


def test_guide_built_in_the_console_is_published_and_its_quiz_taken(
    account, admin_user, contact, client
):
    first = _article(account, "seed-phrase", "Your seed phrase")
    second = _article(account, "phishing", "Spotting phishing")
    _admin_client(client, admin_user)
    assert client.get("/app/education/guides/new").status_code == 200
    guide = _new_guide(client)
    assert guide.language == "en" and guide.title == {"en": "Safe wallets"}
    page = client.get(f"/app/education/guides/{guide.pk}/").content.decode()
    assert "Your seed phrase" in page and "Spotting phishing" in page  # the article picker
    for article in (first, second):
        response = client.post(f"/app/education/guides/{guide.pk}/lessons/new", _quiz_form(article))
        assert response.status_code == 302
    lessons = list(guide.lessons.order_by("position"))
    assert [lesson.article_id for lesson in lessons] == [first.pk, second.pk]
    assert lessons[0].quiz == [
        {
            "question": {"en": "Who may ask for your seed phrase?"},
            "choices": {"en": ["Support", "Nobody"]},
            "answer": 1,
        }
    ]
    # Reorder: the second lesson moves up, and /learn/ follows.
    client.post(
        f"/app/education/guides/{guide.pk}/lessons/{lessons[1].pk}/move", {"direction": "up"}
    )
    assert [row.article_id for row in guide.lessons.order_by("position")] == [second.pk, first.pk]
    saved = Event.objects.filter(name="education.guide_saved", subject_id=guide.pk)
    assert list(saved.order_by("pk").values_list("payload__change", flat=True)) == [
        "created",
        "lesson_added",
        "lesson_added",
        "lessons_reordered",
    ]
    # The audit log shows the administrator's changes by name.
    audit = client.get(reverse("audit:log")).content.decode()
    assert "Guide saved" in audit
    client.logout()
    listing = client.get("/learn/").content.decode()
    assert "Safe wallets" in listing
    lesson_page = client.get("/learn/safe-wallets/1/").content.decode()
    assert "Body of Spotting phishing" in lesson_page
    assert '"answer"' not in lesson_page
    sign_in(client, contact)
    assert client.post("/learn/safe-wallets/1/", {"q0": "0"}).status_code == 422
    assert b"All correct" in client.post("/learn/safe-wallets/1/", {"q0": "1"}).content
    assert b"earned its badge" in client.post("/learn/safe-wallets/2/", {"q0": "1"}).content
    assert GuideCompletion.objects.filter(guide=guide, contact=contact).exists()


def test_editing_a_lesson_and_removing_one(account, admin_user, client):
    first = _article(account, "a1", "One")
    second = _article(account, "a2", "Two")
    third = _article(account, "a3", "Three")
    _admin_client(client, admin_user)
    guide = _new_guide(client)
    for article in (first, second, third):
        client.post(f"/app/education/guides/{guide.pk}/lessons/new", _quiz_form(article))
    lessons = list(guide.lessons.order_by("position"))
    page = client.get(f"/app/education/guides/{guide.pk}/lessons/{lessons[0].pk}/").content
    assert b'value="Nobody"' in page and b'value="1" checked' in page  # prefilled
    form = _quiz_form(first, q0_correct="0", q0_choice2="Your bank")
    client.post(f"/app/education/guides/{guide.pk}/lessons/{lessons[0].pk}/", form)
    lessons[0].refresh_from_db()
    assert lessons[0].quiz[0]["answer"] == 0
    assert lessons[0].quiz[0]["choices"] == {"en": ["Support", "Nobody", "Your bank"]}
    client.post(f"/app/education/guides/{guide.pk}/lessons/{lessons[1].pk}/delete")
    rows = list(guide.lessons.order_by("position").values_list("article_id", "position"))
    assert rows == [(first.pk, 1), (third.pk, 2)]  # renumbered, no gap


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"q0_correct": ""}, "quiz.0.correct"),  # no right answer marked
        ({"q0_correct": "2"}, "quiz.0.correct"),  # the right one is a blank choice
        ({"q0_choice1": ""}, "quiz.0.choices"),  # one choice only
        ({"q0_text": ""}, "quiz.0.question"),
        ({"q0_text": "", "q0_choice0": "", "q0_choice1": "", "q0_correct": ""}, "quiz"),
    ],
)
def test_quiz_validation_errors(account, admin_user, client, change, field):
    article = _article(account, "a1", "One")
    _admin_client(client, admin_user)
    guide = _new_guide(client)
    url = f"/app/education/guides/{guide.pk}/lessons/new"
    response = client.post(url, _quiz_form(article, **change))
    assert response.status_code == 422
    assert 'data-testid="form-error"' in response.content.decode()
    response = client.post(url, _quiz_form(article, **change), HTTP_ACCEPT="application/json")
    body = response.json()
    assert response.status_code == 422 and body["error"]["code"] == "validation_error"
    assert field in body["error"]["fields"]
    assert not Lesson.objects.exists()


def test_six_choices_are_refused(account, admin_user):
    article = _article(account, "a1", "One")
    guide = guide_admin.do_save_guide(
        actor=admin_user, title="G", language="en", slug="g", summary="", published=True
    )
    question = guide_admin.QuestionIn(text="?", choices=list("abcdef"), correct=0)
    with pytest.raises(guide_admin.ValidationFailed) as refused:
        guide_admin.do_save_lesson(
            actor=admin_user, guide_id=guide.pk, article_id=article.pk, questions=[question]
        )
    assert "quiz.0.choices" in refused.value.fields


def test_articles_of_another_account_or_language_are_refused(
    account, other_account, admin_user, client
):
    foreign = _article(other_account, "foreign", "Not ours")
    chinese = _article(account, "zh-only", "只有中文", language="zh-hans")
    draft = _article(account, "draft", "Draft")
    ArticleTranslation.objects.filter(article=draft).update(status="draft")
    _admin_client(client, admin_user)
    guide = _new_guide(client)
    page = client.get(f"/app/education/guides/{guide.pk}/").content.decode()
    assert "Not ours" not in page and "只有中文" not in page
    for article in (foreign, chinese, draft):
        response = client.post(
            f"/app/education/guides/{guide.pk}/lessons/new",
            _quiz_form(article),
            HTTP_ACCEPT="application/json",
        )
        assert response.status_code == 422
        assert "article" in response.json()["error"]["fields"]
    assert not Lesson.objects.exists()


def test_guide_validation_duplicate_slug_and_language(account, admin_user, client):
    _admin_client(client, admin_user)
    _new_guide(client)
    response = client.post(
        "/app/education/guides/new",
        {"title": "Again", "language": "en", "slug": "safe-wallets"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 422 and "slug" in response.json()["error"]["fields"]
    response = client.post(
        "/app/education/guides/new", {"title": "X", "language": "klingon", "slug": "x"}
    )
    assert response.status_code == 422 and b"help center" in response.content
    response = client.post(
        "/app/education/guides/new", {"title": "X", "language": "en", "slug": "not a slug!"}
    )
    assert response.status_code == 422
    assert response.content.decode().count('value="not a slug!"') == 1  # the form comes back
    assert Guide.objects.count() == 1


def test_titles_are_escaped(account, admin_user, client):
    _admin_client(client, admin_user)
    guide = _new_guide(client, title="<script>alert(1)</script>", summary="<img src=x>")
    for url in (f"/app/education/guides/{guide.pk}/", "/learn/", "/learn/safe-wallets/"):
        page = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in page and "<img src=x>" not in page
    page = client.get(f"/app/education/guides/{guide.pk}/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_draft_guides_stay_off_learn_and_deleting_removes_progress(
    account, admin_user, contact, client
):
    article = _article(account, "a1", "One")
    _admin_client(client, admin_user)
    guide = _new_guide(client)
    client.post(f"/app/education/guides/{guide.pk}/lessons/new", _quiz_form(article))
    client.post(
        f"/app/education/guides/{guide.pk}/",
        {"title": "Safe wallets", "language": "en", "slug": "safe-wallets"},  # unpublished
    )
    assert client.get("/learn/safe-wallets/").status_code == 404
    lesson = guide.lessons.get()
    LessonProgress.objects.create(contact=contact, lesson=lesson, attempts=1)
    GuideCompletion.objects.create(contact=contact, guide=guide)
    response = client.post(f"/app/education/guides/{guide.pk}/delete")
    assert response.status_code == 302
    assert not Guide.objects.exists() and not LessonProgress.objects.exists()
    assert not GuideCompletion.objects.exists()
    event = Event.objects.get(name="education.guide_deleted")
    assert event.payload["completions_deleted"] == 1 and event.payload["progress_deleted"] == 1
    assert Article.objects.filter(pk=article.pk).exists()  # the KB article stays


def test_agents_get_403_and_other_accounts_404(account, other_account, admin_user, agent, client):
    from blockdesk.accounts.models import User
    from blockdesk.accounts.services import do_create_agent

    article = _article(account, "a1", "One")
    guide = guide_admin.do_save_guide(
        actor=admin_user, title="G", language="en", slug="g", summary="", published=True
    )
    question = guide_admin.QuestionIn(text="?", choices=["a", "b"], correct=0)
    lesson = guide_admin.do_save_lesson(
        actor=admin_user, guide_id=guide.pk, article_id=article.pk, questions=[question]
    )
    step = onboarding.do_add_step(
        actor=admin_user, delay_hours=1, subject={"en": "Hi"}, body={"en": "Welcome"}
    )
    g = f"/app/education/guides/{guide.pk}"
    writes = [
        ("/app/education/guides/new", {"title": "x", "language": "en", "slug": "x"}),
        (f"{g}/", {"title": "x", "language": "en", "slug": "g"}),
        (f"{g}/lessons/new", _quiz_form(article)),
        (f"{g}/lessons/{lesson.pk}/", _quiz_form(article)),
        (f"{g}/lessons/{lesson.pk}/move", {"direction": "down"}),
        (f"{g}/lessons/{lesson.pk}/delete", {}),
        (f"{g}/delete", {}),
        (f"/app/education/welcome/{step.pk}/", {"delay_hours": "2", "subject__en": "x"}),
        (f"/app/education/welcome/{step.pk}/move", {"direction": "up"}),
        (f"/app/education/welcome/{step.pk}/delete", {}),
    ]
    client.login(username=agent.username, password=PASSWORD)
    assert "New guide" not in client.get("/app/education/").content.decode()
    for url, data in writes:
        assert client.post(url, data).status_code == 403, url
    assert client.get(f"{g}/").status_code == 403
    client.logout()
    stranger = do_create_agent(
        account=other_account,
        username="eve",
        email="eve@example.com",
        password=PASSWORD,
        role=User.Role.ADMIN,
    )
    client.login(username=stranger.username, password=PASSWORD)
    for url, data in writes[1:]:
        assert client.post(url, data).status_code == 404, url
    assert client.get(f"{g}/").status_code == 404
    assert client.get(f"/app/education/welcome/{step.pk}/").status_code == 404
    # Nothing changed.
    assert Guide.objects.filter(account=account).count() == 1
    assert Lesson.objects.filter(pk=lesson.pk).exists()
    assert WelcomeStep.objects.get(pk=step.pk).delay_hours == 1
    assert not Guide.objects.filter(account=other_account).exists()


def test_welcome_steps_edit_delete_reorder_and_the_sender_follows(
    account, admin_user, client, mailoutbox
):
    for subject in ("First", "Second", "Third"):
        onboarding.do_add_step(
            actor=admin_user, delay_hours=0, subject={"en": subject}, body={"en": "Body"}
        )
    first, second, third = WelcomeStep.objects.order_by("position")
    _admin_client(client, admin_user)
    page = client.get(f"/app/education/welcome/{second.pk}/").content.decode()
    assert 'value="Second"' in page
    # Edit: the second step waits 5 hours, with a Chinese version.
    response = client.post(
        f"/app/education/welcome/{second.pk}/",
        {
            "delay_hours": "5",
            "active": "on",
            "subject__en": "Second, edited",
            "body__en": "New body",
            "subject__zh-hans": "第二封",
            "body__zh-hans": "内容",
        },
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.delay_hours == 5 and second.subject == {
        "en": "Second, edited",
        "zh-hans": "第二封",
    }
    # A refused edit comes back with its error.
    response = client.post(
        f"/app/education/welcome/{second.pk}/", {"delay_hours": "99999", "subject__en": "x"}
    )
    assert response.status_code == 422 and b"8760" in response.content
    response = client.post(
        f"/app/education/welcome/{second.pk}/",
        {"delay_hours": "1", "subject__en": "", "body__en": "b"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 422 and "subject" in response.json()["error"]["fields"]
    # Reorder: the third goes first; delete the first.
    client.post(f"/app/education/welcome/{third.pk}/move", {"direction": "up"})
    client.post(f"/app/education/welcome/{third.pk}/move", {"direction": "up"})
    client.post(f"/app/education/welcome/{third.pk}/move", {"direction": "up"})  # stays first
    client.post(f"/app/education/welcome/{first.pk}/delete")
    order = list(WelcomeStep.objects.order_by("position").values_list("pk", flat=True))
    assert order == [third.pk, second.pk]
    names = set(Event.objects.values_list("name", flat=True))
    assert {"education.welcome_step_saved", "education.welcome_step_deleted"} <= names
    # The sender: the third step now, the edited second after its new delay.
    contact = contact_services.do_create_contact(
        account_id=account.pk, source="api", name="Lin", email="lin@example.com"
    )
    drain(CONSUMER)
    enrollment = WelcomeEnrollment.objects.get(contact=contact)
    assert welcome.do_queue_due_steps(now=enrollment.started_at) == 1
    assert [m.subject for m in mailoutbox] == ["Third"]
    assert welcome.do_queue_due_steps(now=enrollment.started_at + dt.timedelta(hours=4)) == 0
    assert welcome.do_queue_due_steps(now=enrollment.started_at + dt.timedelta(hours=5)) == 1
    assert [m.subject for m in mailoutbox] == ["Third", "Second, edited"]
    assert "New body" in mailoutbox[1].body


def test_the_sender_sends_due_steps_in_the_new_order(account, admin_user, mailoutbox):
    for subject in ("A", "B"):
        onboarding.do_add_step(
            actor=admin_user, delay_hours=0, subject={"en": subject}, body={"en": "Body"}
        )
    b = WelcomeStep.objects.get(position=2)
    onboarding.do_move_step(actor=admin_user, step_id=b.pk, up=True)
    contact = contact_services.do_create_contact(
        account_id=account.pk, source="api", name="Bo", email="bo@example.com"
    )
    drain(CONSUMER)
    enrollment = WelcomeEnrollment.objects.get(contact=contact)
    assert welcome.do_queue_due_steps(now=enrollment.started_at) == 2
    assert [m.subject for m in mailoutbox] == ["B", "A"]
