"""The agents' knowledge-base editor under /app/kb/ (login required). Every action is a
plain form POST that redirects back; nothing here needs JavaScript."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from blockdesk.accounts.models import Account, User
from blockdesk.common.errors import BlockdeskError, NotFound, ValidationFailed
from blockdesk.common.redirects import safe_next
from blockdesk.conversations.selectors import get_conversation_for_agent
from blockdesk.kb import forms, importexport, selectors, services
from blockdesk.kb.markdown import render_markdown
from blockdesk.kb.models import ArticleTranslation, Category, KbAsset
from blockdesk.workspace.http import agent_required, current_agent

STALE_DAYS = 180


def _categories(user: User) -> list[tuple[str, str]]:
    lang = selectors.default_language()
    return [
        (c.key, selectors.localized(c.names, lang) or c.key)
        for c in selectors.agent_categories(user=user)
    ]


def _category(user: User, key: str) -> Category:
    cat = selectors.agent_categories(user=user).filter(key=key).first()
    if cat is None:
        raise ValidationFailed.field("category", _("Unknown category."))
    return cat


def _form_errors(form: Any, exc: BlockdeskError) -> None:
    for name, errors in (exc.fields or {"__all__": [exc.message]}).items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)


def _edit_url(article_id: int, language: str) -> str:
    return reverse("kb_agent:edit", args=[article_id, language])


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    context.setdefault("section", "")
    context["languages"] = [(c, selectors.language_name(c)) for c in selectors.kb_languages()]
    return render(request, f"kb/agent/{template}", context)


@agent_required
def index(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    category = request.GET.get("category", "")
    articles = selectors.agent_articles(user=user, q=q, status=status, category=category)
    rows = []
    for article in articles:
        by_lang = {t.language: t for t in article.translations.all()}
        rows.append((article, [(code, by_lang.get(code)) for code in selectors.kb_languages()]))
    return _render(
        request,
        "list.html",
        {
            "section": "articles",
            "rows": rows,
            "q": q,
            "status": status,
            "category": category,
            "categories": _categories(user),
            "statuses": ArticleTranslation.Status.choices,
        },
    )


@agent_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    form = forms.NewArticleForm(request.POST or None, categories=_categories(user))
    if request.method == "POST" and form.is_valid():
        try:
            tr = services.do_create_article(
                actor=user,
                key=form.cleaned_data["key"],
                category=_category(user, form.cleaned_data["category"]),
                language=form.cleaned_data["language"],
                data=form.to_input(),
            )
        except BlockdeskError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Draft created."))
            return redirect(_edit_url(tr.article_id, tr.language))
    return _render(request, "new.html", {"section": "new", "form": form})


@agent_required
@require_http_methods(["GET", "POST"])
def article(request: HttpRequest, article_id: int) -> HttpResponse:
    user = current_agent(request)
    item = selectors.get_article_for_agent(user=user, article_id=article_id)
    initial = {"category": item.category.key, "related": ", ".join(item.related_keys)}
    form = forms.ArticleSettingsForm(
        request.POST or None, initial=initial, categories=_categories(user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.do_update_article(
                actor=user,
                article=item,
                category=_category(user, form.cleaned_data["category"]),
                related_keys=form.related_keys(),
            )
        except BlockdeskError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Article settings saved."))
            return redirect("kb_agent:article", item.pk)
    by_lang = {t.language: t for t in item.translations.select_related("editor", "reviewed_by")}
    translations = [(code, name, by_lang.get(code)) for code, name in _languages()]
    return _render(
        request,
        "article.html",
        {"article": item, "translations": translations, "form": form},
    )


def _languages() -> list[tuple[str, str]]:
    return [(c, selectors.language_name(c)) for c in selectors.kb_languages()]


@agent_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, article_id: int, language: str) -> HttpResponse:
    user = current_agent(request)
    item = selectors.get_article_for_agent(user=user, article_id=article_id)
    if language not in selectors.kb_languages():
        raise NotFound()
    tr = item.translations.filter(language=language).first()
    initial: dict[str, Any] = {}
    if tr is not None:
        initial = {
            "title": tr.title,
            "slug": tr.slug,
            "summary": tr.summary,
            "body": tr.body,
            "example_questions": "\n".join(tr.example_questions),
        }
    form = forms.TranslationForm(request.POST or None, initial=initial)
    preview = ""
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action", "save")
        if action == "preview":
            preview = render_markdown(form.cleaned_data.get("body") or "")
        else:
            try:
                tr = services.do_save_translation(
                    actor=user, article=item, language=language, data=form.to_input()
                )
                if action == "publish":
                    services.do_set_status(actor=user, translation=tr, status="published")
            except BlockdeskError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect(_edit_url(item.pk, language))
    # A new translation is written next to an existing one.
    source = None
    if tr is None:
        source = selectors.pick({t.language: t for t in item.translations.all()}, language)
    return _render(
        request,
        "edit.html",
        {
            "article": item,
            "tr": tr,
            "language": language,
            "language_name": selectors.language_name(language),
            "form": form,
            "preview": preview,
            "source": source,
            "public_url": selectors.article_path(tr) if tr and tr.is_published else "",
        },
    )


def _translation(request: HttpRequest, article_id: int, language: str) -> ArticleTranslation:
    return selectors.get_translation_for_agent(
        user=current_agent(request), article_id=article_id, language=language
    )


def _act(request: HttpRequest, fn: Any, success: str, **kwargs: Any) -> None:
    try:
        fn(actor=current_agent(request), **kwargs)
    except BlockdeskError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)


@agent_required
@require_POST
def set_status(request: HttpRequest, article_id: int, language: str) -> HttpResponse:
    tr = _translation(request, article_id, language)
    status = request.POST.get("status", "")
    done = _("Published.") if status == "published" else _("Moved back to draft.")
    _act(request, services.do_set_status, done, translation=tr, status=status)
    return redirect(safe_next(request, request.POST.get("next"), _edit_url(article_id, language)))


@agent_required
@require_POST
def mark_reviewed(request: HttpRequest, article_id: int, language: str) -> HttpResponse:
    tr = _translation(request, article_id, language)
    _act(request, services.do_mark_reviewed, _("Marked as reviewed today."), translation=tr)
    nxt = safe_next(request, request.POST.get("next"), "")
    return redirect(nxt if nxt.startswith("/app/kb/") else _edit_url(article_id, language))


@agent_required
def history(request: HttpRequest, article_id: int, language: str) -> HttpResponse:
    tr = _translation(request, article_id, language)
    return _render(
        request,
        "history.html",
        {"tr": tr, "article": tr.article, "revisions": selectors.revisions(translation=tr)},
    )


@agent_required
def revision(request: HttpRequest, article_id: int, language: str, number: int) -> HttpResponse:
    tr = _translation(request, article_id, language)
    rev = selectors.get_revision(translation=tr, number=number)
    previous = tr.revisions.filter(number__lt=number).order_by("-number").first()
    return _render(
        request,
        "revision.html",
        {
            "tr": tr,
            "article": tr.article,
            "rev": rev,
            "previous": previous,
            "diff_previous": selectors.revision_diff(old=previous, new=rev),
            "diff_current": selectors.revision_diff(old=rev, new=tr),
        },
    )


@agent_required
@require_POST
def rollback(request: HttpRequest, article_id: int, language: str, number: int) -> HttpResponse:
    tr = _translation(request, article_id, language)
    _act(
        request,
        services.do_rollback,
        _("Restored revision %(n)d.") % {"n": number},
        translation=tr,
        number=number,
    )
    return redirect("kb_agent:history", article_id, language)


@agent_required
@require_POST
def delete(request: HttpRequest, article_id: int) -> HttpResponse:
    user = current_agent(request)
    item = selectors.get_article_for_agent(user=user, article_id=article_id)
    _act(request, services.do_delete_article, _("Article deleted."), article=item)
    return redirect("kb_agent:index")


@agent_required
def stale(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    try:
        days = max(1, min(int(request.GET.get("days", STALE_DAYS)), 3650))
    except ValueError:
        days = STALE_DAYS
    rows = selectors.stale_translations(user=user, days=days)
    return _render(request, "stale.html", {"section": "stale", "rows": rows, "days": days})


@agent_required
def feedback(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    return _render(
        request,
        "feedback.html",
        {
            "section": "feedback",
            "rows": selectors.feedback_report(user=user),
            "comments": selectors.recent_comments(user=user),
        },
    )


@agent_required
@require_http_methods(["GET", "POST"])
def assets(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    form = forms.AssetForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            asset = services.do_upload_asset(actor=user, upload=form.cleaned_data["file"])
        except BlockdeskError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Uploaded. Use the Markdown shown next to the image."))
            return redirect(reverse("kb_agent:assets") + f"#asset-{asset.pk}")
    items = KbAsset.objects.filter(account_id=user.account_pk)[:100]
    rows = [(a, reverse("kb:asset", args=[a.uid, a.filename])) for a in items]
    return _render(request, "assets.html", {"section": "assets", "form": form, "rows": rows})


@agent_required
@require_http_methods(["GET", "POST"])
def csv_import(request: HttpRequest) -> HttpResponse:
    user = current_agent(request)
    form = forms.CsvImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            text = upload.read(5 * 1024 * 1024 + 1).decode("utf-8")
            result = importexport.import_faq_csv(
                account=Account.objects.get(pk=user.account_pk),
                text=text,
                label=upload.name or "faq.csv",
                actor=user,
            )
        except UnicodeDecodeError:
            problems = [_("The file is not UTF-8 text.")]
        except importexport.ImportFailed as exc:
            problems = [str(p) for p in exc.problems]
        else:
            messages.success(request, _("Imported %(n)d draft articles.") % {"n": result.created})
            return redirect("kb_agent:index")
    return _render(
        request, "import.html", {"section": "import", "form": form, "problems": problems}
    )


@agent_required
@require_http_methods(["GET", "POST"])
def from_conversation(request: HttpRequest, display_id: int) -> HttpResponse:
    user = current_agent(request)
    conversation = get_conversation_for_agent(user=user, display_id=display_id)
    if request.method == "POST":
        try:
            tr = services.do_create_article_from_conversation(actor=user, conversation=conversation)
        except BlockdeskError as exc:
            messages.error(request, exc.message)
            return redirect("kb_agent:from_conversation", display_id)
        messages.success(request, _("Draft created from conversation #%(n)d.") % {"n": display_id})
        return redirect(_edit_url(tr.article_id, tr.language))
    draft, error = None, ""
    try:
        draft = services.conversation_draft(actor=user, conversation=conversation)
    except BlockdeskError as exc:
        error = exc.message
    return _render(
        request,
        "from_conversation.html",
        {"conversation": conversation, "draft": draft, "error": error},
    )
