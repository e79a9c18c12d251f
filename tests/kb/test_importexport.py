from __future__ import annotations

import filecmp
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from blockdesk.kb.importexport import (
    STARTER_DIR,
    ImportFailed,
    export_kb,
    import_faq_csv,
    import_kb,
    load_starter,
)
from blockdesk.kb.models import Article, ArticleRevision, ArticleTranslation, Category, KbAsset

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _wipe() -> None:
    ArticleTranslation.objects.all().delete()
    Article.objects.all().delete()
    Category.objects.all().delete()
    KbAsset.objects.all().delete()


def test_starter_loads_fast_and_idempotently(account):
    started = time.monotonic()
    first = load_starter(account=account)
    elapsed = time.monotonic() - started
    assert (first.created, first.categories) == (110, 12)
    assert elapsed < 5
    assert Article.objects.filter(account=account).count() == 55
    assert ArticleRevision.objects.count() == 110
    tr = ArticleTranslation.objects.get(article__key="deposit-wrong-network", language="zh-hans")
    assert tr.is_published and tr.example_questions and "<h2" in tr.body_html
    assert tr.article.related_keys[0] == "deposit-not-arrived"
    again = load_starter(account=account)
    assert (again.created, again.unchanged) == (0, 110)


def test_export_of_starter_reproduces_its_article_files(account, tmp_path):
    load_starter(account=account)
    export_kb(account=account, directory=tmp_path / "out")
    exported, starter = _tree(tmp_path / "out"), _tree(STARTER_DIR)
    assert set(exported) == set(starter)
    differing = [name for name in starter if starter[name] != exported[name]]
    assert differing == ["categories.yaml"]  # only its header comment differs


def test_export_wipe_import_export_is_byte_identical(account, agent, tmp_path):
    from blockdesk.kb import services
    from blockdesk.kb.services import TranslationInput

    load_starter(account=account)
    # Exercise what the starter lacks: a draft, an unreviewed translation, quotes, an image.
    asset = KbAsset(account=account, filename="shot.png", content_type="image/png", size=len(PNG))
    from django.core.files.base import ContentFile

    asset.file.save("shot.png", ContentFile(PNG), save=False)
    asset.save()
    services.do_create_article(
        actor=agent, key="odd-one", category=Category.objects.get(key="general"), language="en",
        data=TranslationInput(
            title='A "quoted" title: with colon', summary="Line\nbreak \\ back",
            body=f"Text ![shot](/help/assets/{asset.uid.hex}/shot.png)\n\n```\ncode\n```",
            example_questions=("- dash", "'single'"),
        ),
    )  # fmt: skip
    first, second = tmp_path / "first", tmp_path / "second"
    export_kb(account=account, directory=first)
    _wipe()
    result = import_kb(account=account, directory=first)
    assert result.created == 111 and result.assets == 1
    export_kb(account=account, directory=second)
    cmp = filecmp.dircmp(first, second)
    assert _tree(first) == _tree(second), (cmp.diff_files, cmp.left_only, cmp.right_only)
    odd = ArticleTranslation.objects.get(article__key="odd-one")
    assert odd.status == "draft" and odd.title == 'A "quoted" title: with colon'
    assert odd.example_questions == ["- dash", "'single'"] and odd.last_reviewed is None


ALL = tuple(sorted(p.name for p in STARTER_DIR.iterdir() if p.is_dir()))


def _copy_starter(dest: Path, *, keys: tuple[str, ...] = ("deposits",)) -> Path:
    import shutil

    dest.mkdir()
    shutil.copy(STARTER_DIR / "categories.yaml", dest)
    for key in keys:
        shutil.copytree(STARTER_DIR / key, dest / key)
    return dest


def test_bad_files_are_reported_by_file_and_line_and_nothing_is_imported(account, tmp_path):
    folder = _copy_starter(tmp_path / "kb", keys=ALL)
    broken = folder / "deposits" / "deposit-missing-memo-tag.en.md"
    lines = broken.read_text().split("\n")
    lines[5] = 'title: "unterminated'  # line 6 of the file
    broken.write_text("\n".join(lines))
    missing = folder / "withdrawals" / "withdrawal-pending.en.md"
    if not missing.exists():
        missing = sorted((folder / "withdrawals").glob("*.en.md"))[0]
    missing.write_text(
        "\n".join(line for line in missing.read_text().split("\n") if not line.startswith("slug:"))
    )
    external = folder / "deposits" / "deposit-unsupported-token.en.md"
    external.write_text(external.read_text() + "\n![x](https://cdn.example/x.png)\n")
    ext_line = len(external.read_text().rstrip("\n").split("\n"))
    with pytest.raises(ImportFailed) as exc:
        import_kb(account=account, directory=folder)
    problems = {(p.file, p.line): p.message for p in exc.value.problems}
    assert len(problems) == 3, problems
    # The YAML parser notices the unterminated quote of line 6 on the next line.
    assert "YAML" in problems[("deposits/deposit-missing-memo-tag.en.md", 7)]
    assert "slug" in problems[(f"withdrawals/{missing.name}", 1)]
    assert "cdn.example" in problems[("deposits/deposit-unsupported-token.en.md", ext_line)]
    # Validation happens before any write: nothing at all was imported.
    assert not Category.objects.exists() and not Article.objects.exists()


def test_import_reports_unknown_category_and_related(account, tmp_path):
    folder = _copy_starter(tmp_path / "kb", keys=ALL)
    path = folder / "deposits" / "deposit-sent-on-wrong-network.en.md"
    text = path.read_text().replace("related: [deposit-not-arrived", "related: [no-such-article")
    path.write_text(text)
    with pytest.raises(ImportFailed) as exc:
        import_kb(account=account, directory=folder)
    problems = [str(p) for p in exc.value.problems]
    # related differs from the zh-hans file now, and names an unknown article (line 16)
    assert any(
        p.startswith("deposits/deposit-sent-on-wrong-network.en.md:16: Unknown related")
        and "no-such-article" in p
        for p in problems
    ), problems
    assert not Article.objects.exists()


def test_reimport_updates_changed_files_with_a_revision(account, tmp_path):
    folder = _copy_starter(tmp_path / "kb", keys=ALL)
    import_kb(account=account, directory=folder)
    path = folder / "deposits" / "deposit-sent-on-wrong-network.en.md"
    text = path.read_text().replace("slug: deposit-sent-on-wrong-network", "slug: wrong-net")
    path.write_text(text)
    path.rename(folder / "deposits" / "wrong-net.en.md")
    result = import_kb(account=account, directory=folder)
    assert (result.updated, result.created) == (1, 0)
    tr = ArticleTranslation.objects.get(article__key="deposit-wrong-network", language="en")
    assert tr.slug == "wrong-net" and tr.old_slugs.get().old_slug == "deposit-sent-on-wrong-network"
    assert tr.revisions.count() == 1  # the slug is not content


def test_csv_import_of_faq_pairs(account, category):
    text = (
        "question,answer,language,category\n"
        '"How long do deposits take?","Usually **20 minutes**, with 2 confirmations.",en,deposits\n'
        "充币多久到账？,一般 20 分钟。,zh-hans,deposits\n"
    )
    result = import_faq_csv(account=account, text=text)
    assert result.created == 2
    en = ArticleTranslation.objects.get(language="en")
    assert en.title == "How long do deposits take?" and en.status == "draft"
    assert "<strong>20 minutes</strong>" in en.body_html
    assert en.example_questions == ["How long do deposits take?"]


def test_csv_bad_rows_report_line_and_import_nothing(account, category):
    text = (
        "question,answer,language,category\n"
        "Fine question,Fine answer,en,deposits\n"
        "No answer,,en,deposits\n"
        "Wrong cat,Answer,en,nowhere\n"
    )
    with pytest.raises(ImportFailed) as exc:
        import_faq_csv(account=account, text=text, label="faq.csv")
    assert [(p.file, p.line) for p in exc.value.problems] == [("faq.csv", 3), ("faq.csv", 4)]
    assert not Article.objects.exists()


def test_management_commands(account, tmp_path, capsys):
    call_command("kb_load_starter")
    call_command("kb_export", str(tmp_path / "out"))
    assert (tmp_path / "out" / "deposits" / "deposit-sent-on-wrong-network.en.md").exists()
    with pytest.raises(CommandError):  # never mixes into an existing export
        call_command("kb_export", str(tmp_path / "out"))
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "deposits").mkdir()
    (bad / "deposits" / "x.en.md").write_text("---\nid: x\nlanguage: en\n---\nbody\n")
    with pytest.raises(CommandError):
        call_command("kb_import", str(bad))
    err = capsys.readouterr().err
    assert "deposits/x.en.md:" in err and "slug" in err
    csv_file = tmp_path / "faq.csv"
    csv_file.write_text("question,answer,language,category\nQ?,A.,en,general\n")
    call_command("kb_import", str(csv_file), "--publish")
    assert ArticleTranslation.objects.get(title="Q?").status == "published"
