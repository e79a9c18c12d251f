"""Settings → Audit log (administrators): who did what and when, filtered; CSV export."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from blockdesk.audit import export, selectors
from blockdesk.audit.forms import AuditFilterForm
from blockdesk.workspace.http import admin_required, current_agent


@admin_required
@require_GET
def log(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    form = AuditFilterForm(request.GET)
    context: dict[str, object] = {
        "section": "audit",
        "form": form,
        "rows": [],
        "next_query": None,
    }
    if not form.is_valid():
        return render(request, "audit/log.html", context, status=400)
    page = selectors.audit_page(
        user=user, audit_filter=form.to_filter(), before=form.cleaned_data.get("before")
    )
    filters = request.GET.copy()
    filters.pop("before", None)
    if page.next_before is not None:
        following = filters.copy()
        following["before"] = str(page.next_before)
        context["next_query"] = following.urlencode()
    context.update(
        rows=page.rows,
        filter_query=filters.urlencode(),
        paged=form.cleaned_data.get("before") is not None,
    )
    return render(request, "audit/log.html", context)


@admin_required
@require_GET
def export_csv(request: HttpRequest) -> HttpResponseBase:
    """Read-only, so a GET (a link); the filter of the page, without its page cursor."""
    user = current_agent(request)
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        context = {"section": "audit", "form": form, "rows": [], "next_query": None}
        return render(request, "audit/log.html", context, status=400)
    stream = export.stream_csv(
        user=user, audit_filter=form.to_filter(), language=get_language() or "en"
    )
    response = StreamingHttpResponse(stream, content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
    response["Cache-Control"] = "no-store"
    return response
