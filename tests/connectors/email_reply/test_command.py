"""`manage.py email extract-reply`: output shapes, --keep-signature, errors per file."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

BODY = (
    "Received, thanks.\n\n-- \nAlice\n\n"
    "On Mon, Jan 1, 2024 at 10:00 AM Support <support@blockdesk.example> wrote:\n> Got it?\n"
)
HTML = (
    '<div dir="ltr">已收到</div><div class="gmail_quote">'
    "客服 &lt;s@x.example&gt; 于2024年1月1日周一 10:00写道："
    "<blockquote>收到了吗？</blockquote></div>"
)


def _run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("email", "extract-reply", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, Path]:
    plain = tmp_path / "reply.txt"
    plain.write_text(BODY, encoding="utf-8")
    html = tmp_path / "reply.html"
    html.write_text(HTML, encoding="utf-8")
    eml = tmp_path / "reply.eml"
    eml.write_bytes(
        b"From: a@x.example\r\nMessage-ID: <1@x>\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: text/plain; charset=gb2312\r\n\r\n" + "喆已收到\n".encode("gbk")
    )
    return plain, html, eml


def test_json_prints_one_object_per_line(files: tuple[Path, Path, Path]) -> None:
    plain, html, eml = files
    out, err = _run("--json", str(plain), str(html), str(eml))
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows == [
        {"file": str(plain), "reply": "Received, thanks.", "signature": "-- \nAlice"},
        {"file": str(html), "reply": "已收到", "signature": None},
        {"file": str(eml), "reply": "喆已收到", "signature": None},
    ]
    assert err == ""
    assert "\\u" not in out  # Chinese printed as itself


def test_keep_signature_leaves_it_in_the_reply(files: tuple[Path, Path, Path]) -> None:
    plain, _, _ = files
    out, _ = _run("--json", "--keep-signature", str(plain))
    assert json.loads(out) == {
        "file": str(plain),
        "reply": "Received, thanks.\n\n-- \nAlice",
        "signature": None,
    }


def test_text_output_is_the_reply_and_several_files_are_labelled(
    files: tuple[Path, Path, Path],
) -> None:
    plain, html, _ = files
    out, _ = _run(str(plain))
    assert out == "Received, thanks.\n"
    out, _ = _run(str(plain), str(html))
    assert out == f"==> {plain} <==\nReceived, thanks.\n\n==> {html} <==\n已收到\n"


def test_a_missing_file_is_reported_and_the_others_still_printed(
    files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    plain, _, _ = files
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as exc:
        call_command(
            "email", "extract-reply", "--json", str(tmp_path / "nope.eml"), str(plain),
            stdout=out, stderr=err,
        )  # fmt: skip
    assert exc.value.returncode == 1
    assert f"{tmp_path / 'nope.eml'}: cannot read" in err.getvalue()
    assert json.loads(out.getvalue())["reply"] == "Received, thanks."


def test_a_directory_is_an_error_too(tmp_path: Path) -> None:
    with pytest.raises(CommandError):
        _run(str(tmp_path))


def test_subcommands_are_registered_from_a_table() -> None:
    from blockdesk.connectors.management.commands import email

    assert "extract-reply" in email.SUBCOMMANDS
    for module in email.SUBCOMMANDS.values():
        assert callable(module.add_arguments) and callable(module.run) and module.HELP
