"""Onboarding and education through the real services and pages: welcome sequences from
the event log (delays, language, one send per step, unsubscribe), guides with quizzes
checked on the server (tampering refused), completion and its badge hook, sessions with
registration, reminders and the calendar file, and sending a guide from the console."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from icalendar import Calendar

from blockdesk.common.errors import Conflict, NotFound, ValidationFailed
from blockdesk.conversations import contact_services
from blockdesk.conversations.models import Contact, Conversation, Message
from blockdesk.education import guides, mail, onboarding, selectors, sending, sessions, welcome
from blockdesk.education.event_consumers import CONSUMER
from blockdesk.education.models import (
    GuideCompletion,
    LessonProgress,
    Registration,
    WelcomeEnrollment,
    WelcomeSend,
)
from blockdesk.events.models import Event
from tests.education.conftest import sign_in
from tests.support.event_log import drain

pytestmark = pytest.mark.django_db(transaction=True)


def steps(admin_user):  # type: ignore[no-untyped-def]
    onboarding.do_add_step(
        actor=admin_user,
        delay_hours=0,
        subject={"en": "Welcome!", "zh-hans": "欢迎！"},
        body={"en": "Glad you are here.", "zh-hans": "很高兴见到你。"},
    )
    onboarding.do_add_step(
        actor=admin_user, delay_hours=48, subject={"en": "Day two"}, body={"en": "Tips"}
    )


def new_contact(account, **kw):  # type: ignore[no-untyped-def]
    return contact_services.do_create_contact(account_id=account.pk, source="api", **kw)


def test_welcome_sequence_follows_the_event_log(account, admin_user, mailoutbox):
    steps(admin_user)
    contact = new_contact(account, name="Lin", email="lin@example.com", locale="zh-hans")
    drain(CONSUMER)
    drain(CONSUMER)  # redelivery: still one enrollment
    enrollment = WelcomeEnrollment.objects.get(contact=contact)
    assert welcome.do_queue_due_steps() == 1
    assert welcome.do_queue_due_steps() == 0  # a second pass sends nothing twice
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.subject == "欢迎！" and "很高兴见到你" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The second step waits for its delay.
    later = enrollment.started_at + dt.timedelta(hours=49)
    assert welcome.do_queue_due_steps(now=later) == 1
    assert len(mailoutbox) == 2
    # A retried task sends nothing more.
    for send in WelcomeSend.objects.all():
        assert mail.do_send_step(send_id=send.pk) == "already handled"
    assert len(mailoutbox) == 2


def test_unsubscribe_stops_the_sequence(account, admin_user, client, mailoutbox):
    steps(admin_user)
    contact = new_contact(account, name="Bo", email="bo@example.com")
    drain(CONSUMER)
    enrollment = WelcomeEnrollment.objects.get(contact=contact)
    url = mail.unsubscribe_url(enrollment).split("://", 1)[1].split("/", 1)[1]
    # One-click: a POST without a CSRF token, as mail providers send it.
    response = client.post("/" + url)
    assert response.status_code == 200 and b"unsubscribed" in response.content
    assert welcome.do_queue_due_steps(now=timezone.now() + dt.timedelta(days=3)) == 0
    assert mailoutbox == []
    assert client.post("/learn/unsubscribe/forged-token/").status_code == 404


def test_no_steps_no_enrollment(account):
    new_contact(account, name="X", email="x@example.com")
    drain(CONSUMER)
    assert not WelcomeEnrollment.objects.exists()


def test_quiz_is_checked_on_the_server_and_completion_awards_the_badge(account, contact, guide):
    lessons = list(guide.lessons.order_by("position"))
    awarded: list[GuideCompletion] = []
    saved = list(guides._completion_hooks)
    guides.register_completion_hook(awarded.append)
    try:
        passed, wrong, done = guides.do_submit_quiz(
            contact=contact, lesson_id=lessons[0].pk, answers={"q0": "0"}
        )
        assert (passed, wrong, done) == (False, [0], None)
        # Tampering: an index out of range, a text, an extra field, nothing at all.
        for answers in ({"q0": "7"}, {"q0": "Nobody"}, {"q9": "1"}, {}):
            assert (
                guides.do_submit_quiz(contact=contact, lesson_id=lessons[0].pk, answers=answers)[0]
                is False
            )
        assert guides.do_submit_quiz(contact=contact, lesson_id=lessons[0].pk, answers={"q0": "1"})[
            0
        ]
        passed, _wrong, done = guides.do_submit_quiz(
            contact=contact, lesson_id=lessons[1].pk, answers={"q0": "1"}
        )
        assert passed and done is not None
        # Passing again completes nothing twice.
        assert (
            guides.do_submit_quiz(contact=contact, lesson_id=lessons[1].pk, answers={"q0": "1"})[2]
            is None
        )
    finally:
        guides._completion_hooks[:] = saved
    assert GuideCompletion.objects.filter(contact=contact, guide=guide).count() == 1
    assert len(awarded) == 1
    event = Event.objects.get(name="education.guide_completed")
    assert event.payload["badge_key"] == "graduate" and event.payload["contact_id"] == contact.pk
    assert guides.badges_of(contact) == ["graduate"]


def test_a_customer_cannot_answer_another_accounts_lesson(other_account, guide):
    foreign = Contact.objects.create(account=other_account, name="f")
    with pytest.raises(NotFound):
        guides.do_submit_quiz(
            contact=foreign, lesson_id=guide.lessons.first().pk, answers={"q0": "1"}
        )


def test_quiz_attempts_are_rate_limited(contact, guide):
    from blockdesk.common.errors import RateLimited

    lesson = guide.lessons.first()
    for _ in range(guides.MAX_ATTEMPTS_PER_HOUR):
        guides.do_submit_quiz(contact=contact, lesson_id=lesson.pk, answers={"q0": "0"})
    with pytest.raises(RateLimited):
        guides.do_submit_quiz(contact=contact, lesson_id=lesson.pk, answers={"q0": "1"})
    assert LessonProgress.objects.get(contact=contact, lesson=lesson).passed_at is None


def test_quiz_definitions_are_validated(account, guide):
    with pytest.raises(ValidationFailed):
        onboarding.check_quiz(
            [{"question": {"en": "?"}, "choices": {"en": ["a", "b"]}, "answer": 5}]
        )
    with pytest.raises(ValidationFailed):
        onboarding.check_quiz("not a list")


def test_lesson_pages_never_show_the_answer(client, contact, guide):
    page = client.get("/learn/getting-started/1/").content.decode()
    assert "About Your first deposit" in page
    assert '"answer"' not in page and "Sign in to take the quiz" in page
    sign_in(client, contact)
    page = client.get("/learn/getting-started/1/").content.decode()
    assert 'name="q0" value="0"' in page and 'name="q0" value="1"' in page
    assert client.post("/learn/getting-started/1/", {"q0": "0"}).status_code == 422
    response = client.post("/learn/getting-started/1/", {"q0": "1"})
    assert response.status_code == 200 and b"All correct" in response.content
    response = client.post("/learn/getting-started/2/", {"q0": "1"})
    assert b"earned its badge" in response.content
    overview = client.get("/learn/getting-started/").content.decode()
    assert 'data-testid="completed"' in overview and 'rel="canonical"' in overview


def test_anonymous_quiz_post_goes_to_sign_in(client, guide):
    response = client.post("/learn/getting-started/1/", {"q0": "1"})
    assert response.status_code == 302 and "/customer/" in response["Location"]
    assert not LessonProgress.objects.exists()


def _session(admin_user, **kw):  # type: ignore[no-untyped-def]
    values = {
        "title": "Using a DEX safely",
        "description": "Live Q&A",
        "starts_at": timezone.now() + dt.timedelta(hours=10),
        "duration_minutes": 45,
        "join_url": "https://meet.example.com/dex",
        **kw,
    }
    return sessions.do_save_session(actor=admin_user, values=values)


def test_sessions_register_remind_once_and_export_ics(account, admin_user, contact, mailoutbox):
    session = _session(admin_user, capacity=1)
    assert sessions.do_register(session=session, contact=contact)
    assert not sessions.do_register(session=session, contact=contact)  # same registration
    other = Contact.objects.create(account=account, name="o", email="o@example.com")
    with pytest.raises(Conflict):
        sessions.do_register(session=session, contact=other)  # full
    assert sessions.do_send_due_reminders() == 1
    assert sessions.do_send_due_reminders() == 0
    assert len(mailoutbox) == 1 and "Using a DEX safely" in mailoutbox[0].subject
    registration = Registration.objects.get()
    assert mail.do_send_reminder(registration_id=registration.pk) == "already handled"
    calendar = Calendar.from_ical(sessions.ics(session))
    event = next(iter(calendar.walk("VEVENT")))
    assert str(event["summary"]) == "Using a DEX safely"
    assert event.decoded("dtend") - event.decoded("dtstart") == dt.timedelta(minutes=45)


def test_session_pages_and_recording(account, admin_user, contact, client):
    past = _session(admin_user, starts_at=timezone.now() - dt.timedelta(days=2))
    sessions.do_save_session(
        actor=admin_user,
        session_id=past.pk,
        values={"recording_url": "https://video.example.com/1"},
    )
    page = client.get(f"/learn/sessions/{past.pk}/").content.decode()
    assert 'data-testid="recording"' in page
    with pytest.raises(Conflict):
        sessions.do_register(session=past, contact=contact)
    upcoming = _session(admin_user)
    sign_in(client, contact)
    assert client.post(f"/learn/sessions/{upcoming.pk}/register").status_code == 302
    assert (
        'data-testid="registered"' in client.get(f"/learn/sessions/{upcoming.pk}/").content.decode()
    )
    response = client.get(f"/learn/sessions/{upcoming.pk}.ics")
    assert response["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VEVENT" in response.content


def test_only_admins_schedule_sessions(agent):
    from blockdesk.common.errors import Forbidden

    with pytest.raises(Forbidden):
        _session(agent)


def test_agent_sends_a_guide_into_a_conversation(account, agent, outsider, channel, contact, guide):
    from blockdesk.conversations import services as conv_services

    sent = conv_services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="how do I deposit?"
    )
    conversation = Conversation.objects.get(pk=sent.message.conversation_id)
    message = sending.do_send_guide(
        actor=agent, conversation_display_id=conversation.display_id, guide_id=guide.pk
    )
    assert "/learn/getting-started/" in message.content
    assert Message.objects.filter(conversation=conversation, pk=message.pk).exists()
    with pytest.raises(NotFound):  # no access to the inbox
        sending.do_send_guide(
            actor=outsider, conversation_display_id=conversation.display_id, guide_id=guide.pk
        )


def test_suggested_guide_for_new_customers(account, guide):
    assert selectors.suggested_guide(account_id=account.pk) == guide


def test_public_index_lists_guides_and_sessions(client, admin_user, guide):
    _session(admin_user)
    page = client.get("/learn/").content.decode()
    assert "Getting started" in page and "Using a DEX safely" in page


def test_first_conversation_gets_the_new_customer_guide_once(account, channel, contact, guide):
    from blockdesk.conversations import services as conv_services
    from blockdesk.education.event_consumers import FIRST_CONTACT
    from blockdesk.education.models import GuideOffer

    sent = conv_services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="hi, I am new"
    )
    drain(FIRST_CONTACT)
    drain(FIRST_CONTACT)
    conversation_id = sent.message.conversation_id
    offers = Message.objects.filter(
        conversation_id=conversation_id, sender_type=Message.SenderType.SYSTEM
    )
    assert offers.count() == 1 and "/learn/getting-started/" in offers.get().content
    assert GuideOffer.objects.filter(contact=contact).count() == 1
    # A second conversation of the same customer gets nothing more.
    Conversation.objects.filter(pk=conversation_id).update(status="resolved")
    again = conv_services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="another question"
    )
    drain(FIRST_CONTACT)
    assert not Message.objects.filter(
        conversation_id=again.message.conversation_id, sender_type=Message.SenderType.SYSTEM
    ).exists()


def test_completion_counts_in_the_forum_and_trust_levels_add_votes(client, contact, guide):
    from blockdesk.feedback import services as feedback
    from blockdesk.forum.models import BadgeAward, MemberStats

    sign_in(client, contact)  # a public customer account: a forum member
    for lesson in guide.lessons.all():
        guides.do_submit_quiz(contact=contact, lesson_id=lesson.pk, answers={"q0": "1"})
    member = contact.customer_account
    assert set(BadgeAward.objects.filter(member=member).values_list("badge", flat=True)) == {
        "learner"
    }
    base = feedback.vote_budget(contact)
    MemberStats.objects.update_or_create(
        member=member, defaults={"account_id": contact.account_id, "trust_level": 2}
    )
    assert feedback.vote_budget(contact) == base + 4


def test_console_pages(admin_user, agent, channel, contact, guide, client):
    from blockdesk.conversations import services as conv_services
    from blockdesk.education.models import Session, WelcomeStep
    from tests.conftest import PASSWORD

    client.login(username=admin_user.username, password=PASSWORD)
    assert client.get("/app/education/").status_code == 200
    response = client.post(
        "/app/education/sessions/new",
        {"title": "<b>AMA</b>", "starts_at": "2030-01-02T10:00", "duration_minutes": "30"},
    )
    assert response.status_code == 302 and Session.objects.get().title == "<b>AMA</b>"
    page = client.get("/app/education/").content.decode()
    assert "&lt;b&gt;AMA&lt;/b&gt;" in page and "<b>AMA</b>" not in page
    client.post(
        "/app/education/welcome/new",
        {"delay_hours": "1", "subject_en": "Hi", "body_en": "Welcome"},
    )
    assert WelcomeStep.objects.filter(account=admin_user.account).count() == 1
    client.logout()
    client.login(username=agent.username, password=PASSWORD)
    sent = conv_services.do_send_contact_message(
        contact=contact, inbox=channel.inbox, conversation=None, content="help"
    )
    number = Conversation.objects.get(pk=sent.message.conversation_id).display_id
    response = client.post("/app/education/send-guide", {"case": number, "guide": guide.pk})
    assert response.status_code == 302
    assert Message.objects.filter(
        conversation_id=sent.message.conversation_id, content__contains="/learn/getting-started/"
    ).exists()
    # Agents do not schedule sessions.
    assert client.post("/app/education/sessions/new", {"title": "x"}).status_code == 403
