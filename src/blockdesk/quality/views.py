"""Console pages of agent quality: the review form of a conversation (leads), Settings →
Scorecards (administrators), the scores per agent by week, and the model answers (with a
CSV export). Authorisation is the services' and selectors' (agents see their own
reviews only); these views parse forms and render."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from blockdesk.common.csvcells import csv_lines
from blockdesk.common.errors import BlockdeskError, ValidationFailed
from blockdesk.conversations.models import Message
from blockdesk.conversations.selectors import get_conversation_for_agent
from blockdesk.quality import selectors, services
from blockdesk.quality.models import Scale
from blockdesk.workspace.http import action_result, admin_required, agent_required, current_agent

CRITERION_ROWS = 8
WEEK_CHOICES = (4, 12, 26, 52)


def _int(value: object) -> int | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return int(value)
    except ValueError:
        return None


@agent_required
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, display_id: int) -> HttpResponse:
    user = current_agent(request)
    services.check_lead(user=user)
    conversation = get_conversation_for_agent(user=user, display_id=display_id)
    here = reverse("quality:review", args=[display_id])
    cards = list(selectors.scorecards(user=user, active_only=True))
    if request.method == "POST":
        chosen = _int(request.POST.get("scorecard")) or 0
        values = {
            pk: v
            for key, raw in request.POST.items()
            if key.startswith("criterion_")
            and (pk := _int(key.removeprefix("criterion_"))) is not None
            and (v := _int(raw)) is not None
        }
        try:
            services.do_create_review(
                reviewer=user,
                display_id=display_id,
                scorecard_id=chosen,
                values=values,
                comment=request.POST.get("comment", ""),
            )
        except BlockdeskError as exc:
            return action_result(request, redirect_to=f"{here}?scorecard={chosen}", error=exc)
        return action_result(request, redirect_to=here, success=_("Review saved."))
    chosen_id = _int(request.GET.get("scorecard"))
    card = next((c for c in cards if c.pk == chosen_id), cards[0] if cards else None)
    replies = (
        Message.objects.filter(
            conversation=conversation, sender_type=Message.SenderType.AGENT, is_private=False
        )
        .select_related("sender_user", "model_answer")
        .order_by("id")
    )
    return render(
        request,
        "quality/review.html",
        {
            "section": "quality",
            "conversation": conversation,
            "agent": services.handling_agent(conversation),
            "scorecards": cards,
            "scorecard": card,
            "reviews": selectors.conversation_reviews(
                user=user, conversation_id=conversation.pk
            ).prefetch_related("scores__criterion"),
            "replies": replies,
            "pass_fail": Scale.PASS_FAIL,
        },
    )


def _criteria_from(post: Any) -> list[services.CriterionInput]:
    rows = []
    for n in range(CRITERION_ROWS):
        label = post.get(f"label_{n}", "").strip()
        if not label:
            continue
        weight = _int(post.get(f"weight_{n}"))
        if weight is None or not 1 <= weight <= 100:
            raise ValidationFailed.field(f"weight_{n}", _("A weight is a whole number, 1 to 100."))
        scale = post.get(f"scale_{n}", Scale.FIVE)
        if scale not in Scale.values:
            raise ValidationFailed.field(f"scale_{n}", _("Choose a scale."))
        rows.append(
            services.CriterionInput(
                label=label,
                weight=weight,
                scale=scale,
                description=post.get(f"description_{n}", ""),
            )
        )
    return rows


@admin_required
@require_http_methods(["GET", "POST"])
def scorecards(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    here = reverse("quality:scorecards")
    if request.method == "POST":
        try:
            services.do_create_scorecard(
                user=user,
                name=request.POST.get("name", ""),
                criteria=_criteria_from(request.POST),
            )
        except BlockdeskError as exc:
            return action_result(request, redirect_to=here, error=exc)
        return action_result(request, redirect_to=here, success=_("Scorecard created."))
    return render(
        request,
        "quality/scorecards.html",
        {
            "section": "quality_scorecards",
            "scorecards": selectors.scorecards(user=user),
            "rows": range(CRITERION_ROWS),
            "scales": Scale.choices,
        },
    )


@admin_required
@require_POST
def scorecard_active(request: HttpRequest, scorecard_id: int) -> HttpResponse:
    here = reverse("quality:scorecards")
    try:
        services.do_set_scorecard_active(
            user=current_agent(request),
            scorecard_id=scorecard_id,
            active=request.POST.get("active") == "1",
        )
    except BlockdeskError as exc:
        return action_result(request, redirect_to=here, error=exc)
    return action_result(request, redirect_to=here, success=_("Scorecard saved."))


@agent_required
@require_GET
def agent_scores(request: HttpRequest) -> HttpResponse:
    """Weekly average totals per agent (a lead sees every agent, an agent themself)."""
    user = current_agent(request)
    weeks = _int(request.GET.get("weeks"))
    weeks = weeks if weeks in WEEK_CHOICES else 12
    until = timezone.now()
    since = until - dt.timedelta(weeks=weeks)
    columns, agents = selectors.weekly_averages(user=user, since=since, until=until)
    table = [{"agent": a.agent, "cells": [a.weeks.get(week) for week in columns]} for a in agents]
    chart = {
        "labels": [w.isoformat() for w in columns],
        "series": [
            {
                "label": a.agent.public_name,
                "data": [float(a.weeks[w][0]) if w in a.weeks else None for w in columns],
            }
            for a in agents
        ],
    }
    return render(
        request,
        "quality/agents.html",
        {
            "section": "quality_agents",
            "weeks": weeks,
            "week_choices": WEEK_CHOICES,
            "columns": columns,
            "table": table,
            "chart": chart,
            "is_lead": selectors.is_lead(user),
            "recent": selectors.visible_reviews(user=user)[:20],
        },
    )


@agent_required
@require_GET
def model_answers(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    return render(
        request,
        "quality/model_answers.html",
        {"section": "quality_answers", "answers": selectors.model_answers(user=user)[:200]},
    )


@agent_required
@require_GET
def model_answers_csv(request: HttpRequest) -> HttpResponseBase:
    answers = selectors.model_answers(user=current_agent(request))

    def rows() -> Iterator[list[Any]]:
        yield ["marked_at", "case", "agent", "answer", "note", "marked_by"]
        for a in answers.iterator(chunk_size=500):
            sender = a.message.sender_user
            yield [
                a.created_at.isoformat(),
                a.message.conversation.display_id,
                sender.public_name if sender else "",
                a.message.content,
                a.note,
                a.marked_by.public_name,
            ]

    response = StreamingHttpResponse(csv_lines(rows()), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="model-answers-{stamp}.csv"'
    return response


@agent_required
@require_POST
def mark_model_answer(request: HttpRequest, message_id: int) -> HttpResponse:
    user = current_agent(request)
    back = request.POST.get("display_id")
    here = (
        reverse("quality:review", args=[int(back)])
        if back and back.isdigit()
        else reverse("quality:model_answers")
    )
    try:
        if request.POST.get("action") == "unmark":
            services.do_unmark_model_answer(user=user, message_id=message_id)
            done = _("No longer a model answer.")
        else:
            services.do_mark_model_answer(
                user=user, message_id=message_id, note=request.POST.get("note", "")
            )
            done = _("Marked as a model answer.")
    except BlockdeskError as exc:
        return action_result(request, redirect_to=here, error=exc)
    return action_result(request, redirect_to=here, success=done)
