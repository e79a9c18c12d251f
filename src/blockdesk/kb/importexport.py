"""The knowledge base as a folder of Markdown files with YAML front matter:

    categories.yaml                     categories: key, order, name/description per language
    <category>/<slug>.<language>.md     one file per article and language
    assets/<uuid>-<name>                uploaded images referenced as /help/assets/<uuid>/<name>

Export is deterministic (fixed field order and quoting), so export → import → export
gives byte-identical folders. Import validates every file first and reports each
problem with its file and line; only then does it write, in one transaction."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from blockdesk.accounts.models import Account, User
from blockdesk.common.errors import ValidationFailed
from blockdesk.kb import selectors
from blockdesk.kb.markdown import external_images, render_markdown
from blockdesk.kb.models import (
    Article,
    ArticleRevision,
    ArticleTranslation,
    Category,
    KbAsset,
    SlugRedirect,
)
from blockdesk.kb.models.article import KEY_RE
from blockdesk.kb.services import ASSET_TYPES, _reindex_on_commit

FIELDS = (
    "id", "language", "category", "slug", "status", "title", "summary",
    "example_questions", "related", "last_reviewed",
)  # fmt: skip
REQUIRED = ("id", "language", "category", "slug", "status", "title")
CATEGORIES_FILE = "categories.yaml"
ASSETS_DIR = "assets"
STARTER_DIR = Path(__file__).resolve().parent / "content" / "starter"
_KEY = re.compile(KEY_RE)
_ASSET_NAME = re.compile(r"^([0-9a-f]{32})-([\w.-]{1,100})$")

# libyaml's safe loader where PyYAML was built with it (its wheels are): the same documents
# and errors as yaml.SafeLoader, ~9x faster on a KB's front matter (110 files: 158 -> 17 ms).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _safe_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 (a safe loader, C or Python)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class ImportFailed(ValidationFailed):
    """Nothing was imported; `problems` says what to fix, by file and line."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(
            "\n".join(str(p) for p in problems),
            fields={"file": [str(p) for p in problems]},
        )


@dataclass
class ParsedFile:
    path: str
    meta: dict[str, Any]
    body: str
    field_lines: dict[str, int] = field(default_factory=dict)  # for problem reports

    def line(self, name: str) -> int:
        return self.field_lines.get(name, 1)


@dataclass
class ParsedCategory:
    key: str
    order: int
    names: dict[str, str]
    descriptions: dict[str, str]


@dataclass
class ImportResult:
    categories: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    assets: int = 0
    article_ids: set[int] = field(default_factory=set)


# --- writing ---------------------------------------------------------------------------


def _q(value: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar: one quoting rule for every text.
    return json.dumps(value, ensure_ascii=False)


def _language_order(codes: Iterable[str]) -> list[str]:
    enabled = selectors.kb_languages()
    return sorted(codes, key=lambda c: (enabled.index(c) if c in enabled else len(enabled), c))


def dump_translation(tr: ArticleTranslation) -> str:
    article = tr.article
    lines = [
        "---",
        f"id: {article.key}",
        f"language: {tr.language}",
        f"category: {article.category.key}",
        f"slug: {tr.slug}",
        f"status: {tr.status}",
        f"title: {_q(tr.title)}",
        f"summary: {_q(tr.summary)}",
    ]
    if tr.example_questions:
        lines.append("example_questions:")
        lines.extend(f"  - {_q(q)}" for q in tr.example_questions)
    else:
        lines.append("example_questions: []")
    lines.append(f"related: [{', '.join(article.related_keys)}]")
    reviewed = tr.last_reviewed.isoformat() if tr.last_reviewed else "null"
    lines.append(f"last_reviewed: {reviewed}")
    lines.append("---")
    return "\n".join(lines) + "\n\n" + (tr.body + "\n" if tr.body else "")


def dump_categories(categories: Iterable[Category]) -> str:
    out = [
        "# Categories of the knowledge base.",
        "# key: directory name and value of the `category` front-matter field.",
        "categories:",
    ]
    for cat in categories:
        out += [f"  - key: {cat.key}", f"    order: {cat.order}", "    name:"]
        out += [f"      {code}: {_q(cat.names[code])}" for code in _language_order(cat.names)]
        if cat.descriptions:
            out.append("    description:")
            out += [
                f"      {code}: {_q(cat.descriptions[code])}"
                for code in _language_order(cat.descriptions)
            ]
    return "\n".join(out) + "\n"


def export_kb(*, account: Account, directory: Path) -> int:
    """Write the account's whole knowledge base into `directory` (empty or new)."""
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise ValidationFailed(_("The export folder must be empty."))
    categories = list(Category.objects.filter(account=account))
    (directory / CATEGORIES_FILE).write_text(dump_categories(categories), encoding="utf-8")
    count = 0
    translations = ArticleTranslation.objects.filter(account=account).select_related(
        "article__category"
    )
    for tr in translations.order_by("article__key", "language"):
        folder = directory / tr.article.category.key
        folder.mkdir(exist_ok=True)
        (folder / f"{tr.slug}.{tr.language}.md").write_text(dump_translation(tr), encoding="utf-8")
        count += 1
    assets = KbAsset.objects.filter(account=account)
    if assets.exists():
        (directory / ASSETS_DIR).mkdir()
        for asset in assets:
            with asset.file.open("rb") as src:
                data = src.read()
            (directory / ASSETS_DIR / f"{asset.uid.hex}-{asset.filename}").write_bytes(data)
    return count


# --- reading and validating --------------------------------------------------------------


def _line_of(lines: list[str], name: str) -> int:
    for number, line in enumerate(lines, start=1):
        if line.startswith(f"{name}:"):
            return number
    return 1


def parse_markdown_file(path: Path, label: str, problems: list[Problem]) -> ParsedFile | None:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(label, 1, _("The file is not UTF-8 text.")))
        return None
    text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        problems.append(Problem(label, 1, _("The file must start with a front matter (---).")))
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        problems.append(Problem(label, 1, _("The front matter is not closed with ---.")))
        return None
    try:
        meta = _safe_yaml("\n".join(lines[1:end])) or {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark is not None else 1  # +1 for 1-based, +1 for the ---
        problems.append(Problem(label, line, _("YAML error: %(e)s") % {"e": exc.problem}))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(label, 1, _("YAML error: %(e)s") % {"e": exc}))
        return None
    if not isinstance(meta, dict):
        problems.append(Problem(label, 2, _("The front matter must be a mapping of fields.")))
        return None
    body = "\n".join(lines[end + 1 :]).strip("\n").rstrip()
    field_lines = {
        line.split(":", 1)[0]: n for n, line in enumerate(lines[: end + 1], 1) if ":" in line
    }
    parsed = ParsedFile(label, meta, body, field_lines)
    _validate_meta(parsed, lines, end, problems)
    return parsed


def _validate_meta(parsed: ParsedFile, lines: list[str], end: int, problems: list[Problem]) -> None:
    meta, label = parsed.meta, parsed.path
    front = lines[: end + 1]

    def bad(name: str, message: str) -> None:
        problems.append(Problem(label, _line_of(front, name), message))

    for name in REQUIRED:
        if meta.get(name) in (None, ""):
            bad(name, _("Missing field “%(f)s”.") % {"f": name})
    for name in ("id", "language", "category", "slug", "status", "title", "summary"):
        if name in meta and meta[name] is not None and not isinstance(meta[name], str):
            bad(name, _("“%(f)s” must be text.") % {"f": name})
            meta[name] = ""
    for name in ("id", "category", "slug"):
        value = meta.get(name)
        if isinstance(value, str) and value and not _KEY.match(value):
            bad(name, _("“%(f)s” must be lowercase letters, digits and hyphens.") % {"f": name})
    if meta.get("language") and meta["language"] not in selectors.kb_languages():
        bad("language", _("Language “%(l)s” is not enabled.") % {"l": meta["language"]})
    if meta.get("status") and meta["status"] not in ArticleTranslation.Status.values:
        bad("status", _("Status must be draft or published."))
    if len(str(meta.get("title") or "")) > 200:
        bad("title", _("A title can be at most 200 characters long."))
    for name in ("example_questions", "related"):
        value = meta.get(name) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            bad(name, _("“%(f)s” must be a list of texts.") % {"f": name})
            meta[name] = []
        else:
            meta[name] = value
    reviewed = meta.get("last_reviewed")
    if reviewed is not None and not isinstance(reviewed, dt.date):
        bad("last_reviewed", _("“last_reviewed” must be a date (YYYY-MM-DD)."))
        meta["last_reviewed"] = None
    unknown = sorted(set(meta) - set(FIELDS))
    if unknown:
        bad(unknown[0], _("Unknown field “%(f)s”.") % {"f": unknown[0]})
    for url in external_images(parsed.body):
        offset = next((i for i, line in enumerate(lines) if url in line and i > end), end)
        problems.append(
            Problem(label, offset + 1, _("Image “%(u)s” is not a KB asset.") % {"u": url[:80]})
        )
    name = Path(label).name
    expected = f"{meta.get('slug')}.{meta.get('language')}.md"
    if not problems and name != expected:
        problems.append(Problem(label, 1, _("The file should be named %(n)s.") % {"n": expected}))
    folder = Path(label).parent.name
    if meta.get("category") and folder != meta["category"]:
        bad("category", _("The file is in folder “%(d)s”, not its category.") % {"d": folder})


def parse_categories(path: Path, problems: list[Problem]) -> list[ParsedCategory]:
    label = path.name
    try:
        data = _safe_yaml(path.read_text(encoding="utf-8")) or {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problems.append(
            Problem(
                label, mark.line + 1 if mark else 1, _("YAML error: %(e)s") % {"e": exc.problem}
            )
        )
        return []
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(Problem(label, 1, _("YAML error: %(e)s") % {"e": exc}))
        return []
    items = data.get("categories") if isinstance(data, dict) else None
    if not isinstance(items, list):
        problems.append(Problem(label, 1, _("Expected a list under “categories:”.")))
        return []
    text_lines = path.read_text(encoding="utf-8").split("\n")
    out = []
    for index, item in enumerate(items):
        key = item.get("key") if isinstance(item, dict) else None
        line = next((n for n, t in enumerate(text_lines, 1) if t.strip() == f"- key: {key}"), 1)
        if not isinstance(key, str) or not _KEY.match(key):
            problems.append(
                Problem(label, line, _("Category %(n)d needs a valid key.") % {"n": index + 1})
            )
            continue
        assert isinstance(item, dict)
        names, descriptions = item.get("name") or {}, item.get("description") or {}
        if not isinstance(names, dict) or not names or not isinstance(descriptions, dict):
            problems.append(
                Problem(label, line, _("Category “%(k)s” needs names per language.") % {"k": key})
            )
            continue
        order = item.get("order", index + 1)
        if not isinstance(order, int) or order < 0:
            problems.append(Problem(label, line, _("“order” must be a whole number.")))
            continue
        out.append(
            ParsedCategory(
                key, order, {str(k): str(v) for k, v in names.items()},
                {str(k): str(v) for k, v in descriptions.items()},
            )
        )  # fmt: skip
    return out


def read_folder(
    directory: Path, *, account: Account
) -> tuple[list[ParsedCategory], list[ParsedFile], list[tuple[str, bytes]]]:
    """Parse and check everything in `directory`; raise ImportFailed listing every problem."""
    problems: list[Problem] = []
    if not directory.is_dir():
        raise ImportFailed([Problem(str(directory), 0, _("No such folder."))])
    categories: list[ParsedCategory] = []
    if (directory / CATEGORIES_FILE).exists():
        categories = parse_categories(directory / CATEGORIES_FILE, problems)
    files: list[ParsedFile] = []
    for path in sorted(directory.glob("*/*.md")):
        if path.parent.name in (ASSETS_DIR,) or path.parent.name.startswith((".", "_")):
            continue
        label = path.relative_to(directory).as_posix()
        parsed = parse_markdown_file(path, label, problems)
        if parsed is not None:
            files.append(parsed)
    assets = _read_assets(directory / ASSETS_DIR, problems)
    _cross_check(account, categories, files, problems)
    if problems:
        raise ImportFailed(problems)
    return categories, files, assets


def _read_assets(folder: Path, problems: list[Problem]) -> list[tuple[str, bytes]]:
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.iterdir()):
        label = f"{ASSETS_DIR}/{path.name}"
        data = path.read_bytes()
        if not _ASSET_NAME.match(path.name) or not any(
            data.startswith(sig) for sigs in ASSET_TYPES.values() for sig in sigs
        ):
            problems.append(Problem(label, 0, _("Not a KB image (expected <uuid>-<name>).")))
            continue
        out.append((path.name, data))
    return out


def _cross_check(
    account: Account,
    categories: list[ParsedCategory],
    files: list[ParsedFile],
    problems: list[Problem],
) -> None:
    known_categories = {c.key for c in categories} | set(
        Category.objects.filter(account=account).values_list("key", flat=True)
    )
    seen: dict[tuple[str, str], ParsedFile] = {}
    slugs: dict[tuple[str, str], str] = {}
    by_id: dict[str, ParsedFile] = {}

    def report(f: ParsedFile, name: str, message: str) -> None:
        problems.append(Problem(f.path, f.line(name), message))

    for f in files:
        meta = f.meta
        key, language, slug = (str(meta.get(n) or "") for n in ("id", "language", "slug"))
        if meta.get("category") and meta["category"] not in known_categories:
            report(f, "category", _("Unknown category “%(c)s”.") % {"c": meta["category"]})
        if (key, language) in seen:
            other = seen[(key, language)].path
            report(f, "id", _("Same id and language as %(f)s.") % {"f": other})
        seen[(key, language)] = f
        if slugs.get((language, slug), key) != key:
            owner = slugs[(language, slug)]
            report(f, "slug", _("Slug already used by article “%(k)s”.") % {"k": owner})
        slugs[(language, slug)] = key
        first = by_id.setdefault(key, f)
        for name in ("category", "related"):
            if first.meta.get(name) != meta.get(name):
                message = _("“%(f)s” differs from %(o)s; it must be the same in every language.")
                report(f, name, message % {"f": name, "o": first.path})
    existing = set(Article.objects.filter(account=account).values_list("key", flat=True))
    for f in files:
        missing = [k for k in f.meta.get("related", []) if k not in by_id and k not in existing]
        if missing:
            report(f, "related", _("Unknown related articles: %(k)s") % {"k": ", ".join(missing)})
    taken = ArticleTranslation.objects.filter(account=account).values_list(
        "language", "slug", "article__key"
    )
    for language, slug, key in taken:
        claimant = slugs.get((language, slug))
        if claimant is not None and claimant != key:
            f = seen[(claimant, language)]
            report(f, "slug", _("Slug already used by article “%(k)s”.") % {"k": key})


# --- applying --------------------------------------------------------------------------------


def import_kb(
    *, account: Account, directory: Path, actor: User | None = None, only_missing: bool = False
) -> ImportResult:
    """Import a folder. Existing articles (by id and language) are updated unless
    `only_missing`, which leaves anything already present untouched (starter loading)."""
    categories, files, assets = read_folder(directory, account=account)
    return apply_import(
        account=account,
        categories=categories,
        files=files,
        assets=assets,
        actor=actor,
        only_missing=only_missing,
    )


def apply_import(
    *,
    account: Account,
    categories: list[ParsedCategory],
    files: list[ParsedFile],
    assets: list[tuple[str, bytes]] = (),  # type: ignore[assignment]
    actor: User | None = None,
    only_missing: bool = False,
    note: str = "",
) -> ImportResult:
    result = ImportResult()
    note = note or _("Imported")
    with transaction.atomic():
        cats = {c.key: c for c in Category.objects.filter(account=account)}
        for pc in categories:
            cat = cats.get(pc.key)
            if cat is None:
                cats[pc.key] = Category.objects.create(
                    account=account, key=pc.key, order=pc.order, names=pc.names,
                    descriptions=pc.descriptions,
                )  # fmt: skip
                result.categories += 1
            elif not only_missing and (cat.order, cat.names, cat.descriptions) != (
                pc.order, pc.names, pc.descriptions,
            ):  # fmt: skip
                cat.order, cat.names, cat.descriptions = pc.order, pc.names, pc.descriptions
                cat.save()
                result.categories += 1
        articles = {a.key: a for a in Article.objects.filter(account=account)}
        new_articles = []
        for f in files:
            key = f.meta["id"]
            article = articles.get(key)
            if article is None:
                article = Article(
                    account=account, key=key, category=cats[f.meta["category"]],
                    related_keys=list(f.meta.get("related") or []),
                )  # fmt: skip
                articles[key] = article
                new_articles.append(article)
            elif not only_missing:
                article.category = cats[f.meta["category"]]
                article.related_keys = list(f.meta.get("related") or [])
        Article.objects.bulk_create(new_articles)
        if not only_missing:
            Article.objects.bulk_update(
                [a for a in articles.values() if a not in new_articles],
                ["category", "related_keys"],
            )
        if new_articles and new_articles[0].pk is None:  # backends without RETURNING
            articles = {a.key: a for a in Article.objects.filter(account=account)}
        _apply_translations(account, files, articles, actor, only_missing, note, result)
        for name, data in assets:
            result.assets += _import_asset(account, name, data)
        _reindex_on_commit(result.article_ids, account_id=account.pk)
    return result


def _apply_translations(
    account: Account,
    files: list[ParsedFile],
    articles: dict[str, Article],
    actor: User | None,
    only_missing: bool,
    note: str,
    result: ImportResult,
) -> None:
    existing = {
        (t.article_id, t.language): t for t in ArticleTranslation.objects.filter(account=account)
    }
    new: list[ArticleTranslation] = []
    revisions: list[ArticleRevision] = []
    for f in files:
        meta = f.meta
        article = articles[meta["id"]]
        values = {
            "slug": meta["slug"], "status": meta["status"], "title": meta["title"].strip(),
            "summary": (meta.get("summary") or "").strip(), "body": f.body,
            "example_questions": list(meta.get("example_questions") or []),
            "last_reviewed": meta.get("last_reviewed"),
        }  # fmt: skip
        tr = existing.get((article.pk, meta["language"]))
        if tr is None:
            tr = ArticleTranslation(
                account=account, article=article, language=meta["language"], author=actor,
                editor=actor, body_html=render_markdown(f.body, title=values["title"]),
                **values,
            )  # fmt: skip
            if tr.status == ArticleTranslation.Status.PUBLISHED:
                tr.published_at = article.created_at
            new.append(tr)
            result.created += 1
            result.article_ids.add(article.pk)
            continue
        if only_missing:
            result.unchanged += 1
            continue
        content = ("title", "summary", "body", "example_questions")
        if all(getattr(tr, k) == v for k, v in values.items()):
            result.unchanged += 1
            continue
        content_changed = any(getattr(tr, k) != values[k] for k in content)
        if tr.slug != values["slug"]:
            SlugRedirect.objects.filter(
                account=account, language=tr.language, old_slug=values["slug"]
            ).delete()
            SlugRedirect.objects.update_or_create(
                account=account, language=tr.language, old_slug=tr.slug,
                defaults={"translation": tr},
            )  # fmt: skip
        for k, v in values.items():
            setattr(tr, k, v)
        tr.body_html = render_markdown(tr.body, title=tr.title)
        tr.editor = actor or tr.editor
        tr.save()
        if content_changed:
            last = tr.revisions.order_by("-number").values_list("number", flat=True).first() or 0
            revisions.append(_revision(tr, last + 1, actor, note))
        result.updated += 1
        result.article_ids.add(article.pk)
    ArticleTranslation.objects.bulk_create(new)
    if new and new[0].pk is None:
        by_key = {
            (t.article_id, t.language): t
            for t in ArticleTranslation.objects.filter(account=account)
        }
        new = [by_key[(t.article_id, t.language)] for t in new]
    revisions += [_revision(tr, 1, actor, note) for tr in new]
    ArticleRevision.objects.bulk_create(revisions)


def _revision(
    tr: ArticleTranslation, number: int, actor: User | None, note: str
) -> ArticleRevision:
    return ArticleRevision(
        translation=tr, number=number, title=tr.title, summary=tr.summary, body=tr.body,
        example_questions=list(tr.example_questions), editor=actor, note=note,
    )  # fmt: skip


def _import_asset(account: Account, name: str, data: bytes) -> int:
    match = _ASSET_NAME.match(name)
    assert match is not None
    uid, filename = uuid.UUID(match.group(1)), match.group(2)
    existing = KbAsset.objects.filter(uid=uid).first()
    if existing is not None:
        if existing.account_id != account.pk:
            raise ImportFailed([Problem(f"{ASSETS_DIR}/{name}", 0, _("Asset id already in use."))])
        return 0
    content_type = next(
        t for t, sigs in ASSET_TYPES.items() if any(data.startswith(s) for s in sigs)
    )
    asset = KbAsset(
        account=account, uid=uid, filename=filename, content_type=content_type, size=len(data)
    )
    asset.file.save(filename, ContentFile(data), save=False)
    asset.save()
    return 1


# --- CSV of FAQ pairs ----------------------------------------------------------------------------


def import_faq_csv(
    *, account: Account, text: str, label: str = "faq.csv", actor: User | None = None,
    status: str = ArticleTranslation.Status.DRAFT,
) -> ImportResult:  # fmt: skip
    """Import `question,answer,language,category` rows as one article each (the question is
    the title and first example question). Categories must exist."""
    problems: list[Problem] = []
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    needed = ["question", "answer", "language", "category"]
    if any(h not in header for h in needed):
        raise ImportFailed(
            [Problem(label, 1, _("The header must be: %(h)s") % {"h": ",".join(needed)})]
        )
    known = set(Category.objects.filter(account=account).values_list("key", flat=True))
    taken = set(Article.objects.filter(account=account).values_list("key", flat=True))
    files: list[ParsedFile] = []
    for row in reader:
        line = reader.line_num
        question = (row.get("question") or "").strip()
        answer = (row.get("answer") or "").strip()
        language = (row.get("language") or "").strip()
        category = (row.get("category") or "").strip()
        if not question or not answer:
            problems.append(Problem(label, line, _("Question and answer are both required.")))
            continue
        if language not in selectors.kb_languages():
            problems.append(
                Problem(label, line, _("Language “%(l)s” is not enabled.") % {"l": language})
            )
            continue
        if category not in known:
            problems.append(Problem(label, line, _("Unknown category “%(c)s”.") % {"c": category}))
            continue
        if external_images(answer):
            problems.append(Problem(label, line, _("Images must be KB assets.")))
            continue
        base = slugify(question)[:60].strip("-") or f"faq-{line}"
        key, n = base, 2
        while key in taken:
            key, n = f"{base}-{n}", n + 1
        taken.add(key)
        meta = {
            "id": key, "language": language, "category": category, "slug": key,
            "status": status, "title": question.splitlines()[0][:200], "summary": "",
            "example_questions": [question], "related": [], "last_reviewed": None,
        }  # fmt: skip
        files.append(ParsedFile(f"{label}:{line}", meta, answer))
    if problems:
        raise ImportFailed(problems)
    return apply_import(
        account=account, categories=[], files=files, actor=actor, note=_("Imported from CSV")
    )


def load_starter(*, account: Account) -> ImportResult:
    """Load the shipped starter knowledge base; anything already there is left alone."""
    return import_kb(account=account, directory=STARTER_DIR, only_missing=True)
