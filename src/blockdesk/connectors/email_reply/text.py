"""The visible reply of a plain-text body.

The body is cut in three:

1. *History*: from the first separator that starts an unquoted copy of an earlier
   message ("-----Original Message-----", an Outlook/Foxmail header block, an attribution
   line such as "On … wrote:" that no ">" line follows) to the end.
2. Before it, the *reply* runs to the last line of new text; quoted lines (">") that new
   text follows stay, because an inline or bottom-posted answer is unreadable without the
   question. Quoted lines after the last new text are history too.
3. The *signature*: the first block after the last new text that starts with a delimiter
   ("-- ", "__", "-Name") or a mobile footer ("Sent from my iPhone", "发自我的iPhone"); it
   runs to the next quoted line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from blockdesk.connectors.email_reply import patterns as p

_MAX_ATTRIBUTION = 300  # characters; a longer "… wrote:" line is a paragraph
_MAX_LINE = 1000
_LONG_LINE = "<long line>"
_ONE_QUOTE_LEVEL = re.compile(r"^ ?> ?")
_BLANK, _QUOTED, _TEXT, _SIG = range(4)
# Characters that hide or reorder text on screen: never shown to an agent.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class ReplyParts:
    """What the agent sees (`reply`), the sender's signature, and the hidden history."""

    reply: str
    signature: str | None
    quoted: str | None


def normalise(text: str) -> str:
    """Unix newlines, no invisible or control characters, non-breaking spaces as spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub("", text)
    return text.replace("\u00a0", " ").replace("\u3000", " ")


def _is_attribution_line(line: str, *, loose: bool = False) -> bool:
    if len(line) > _MAX_ATTRIBUTION or not line:
        return False
    if p.ZH_WROTE_LINE.search(line) or p.KO_WROTE_LINE.search(line):
        # "他写道：" in a sentence is prose; the clients' lines carry a date or an address.
        return loose or "@" in line or bool(re.search(r"\d", line)) or line.startswith("在")
    if (
        p.ON_SENT_LINE.match(line)
        or p.DASHED_WROTE_LINE.match(line)
        or p.DATE_ATTRIBUTION.match(line)
        or p.ADDRESS_ATTRIBUTION.search(line)
    ):
        return True
    if not p.WROTE_LINE.search(line):
        return False
    # "… wrote:" alone is often prose; an attribution names a date, an address or starts
    # the way the clients start it. A short "Bob wrote:" is one only above a quote (loose).
    return bool(
        p.WROTE_START.match(line)
        or "@" in line
        or re.search(r"\d", line)
        or (loose and len(line) <= 60)
    )


def _attribution_end(
    stripped: list[str], quoted: list[bool], i: int, *, loose: bool = False
) -> int | None:
    """The last line of an attribution starting at `i` (clients wrap it on 2–3 lines)."""
    if quoted[i] or not stripped[i]:
        return None
    if _is_attribution_line(stripped[i], loose=loose):
        return i
    if not p.WROTE_START.match(stripped[i]) or stripped[i].endswith((":", "：")):
        return None
    joined = stripped[i]
    for j in range(i + 1, min(i + 3, len(stripped))):
        if not stripped[j] or quoted[j]:
            return None
        joined = f"{joined} {stripped[j]}"
        if len(joined) > _MAX_ATTRIBUTION:
            return None
        if _is_attribution_line(joined, loose=loose):
            return j
    return None


def _is_header_block(stripped: list[str], quoted: list[bool], i: int) -> bool:
    """An Outlook/Foxmail/QQ "From: / Sent: / To: / Subject:" block starting at `i`."""
    if quoted[i] or not p.HEADER_ANY.match(stripped[i]):
        return False
    # The keys stand together: one blank line may separate two (QQ), one line may wrap a
    # key's value ("*From:* bob [mailto:\n bob@example.com]"); anything else ends the block.
    keys = [stripped[i]]
    after_key = True
    blanks = 0
    for j in range(i + 1, min(i + 12, len(stripped))):
        line = stripped[j]
        if not line:
            blanks += 1
            if blanks > 1:
                break
        elif p.HEADER_ANY.match(line):
            keys.append(line)
            after_key, blanks = True, 0
        elif after_key and not blanks:
            after_key = False
        else:
            break
    if len(keys) < 2 or any(p.CRYPTO_VALUE.search(k) for k in keys):
        return False
    has_from = any(p.HEADER_FROM.match(k) for k in keys)
    if has_from and any(p.HEADER_CONFIRM.match(k) for k in keys):
        return True
    # "Date: Wed, 16 May 2012 00:15:02 -0600 / To: bob@example.com": a mail's headers too.
    return any("@" in k for k in keys) and any(p.RFC_DATE_VALUE.search(k) for k in keys)


def _next_nonblank(stripped: list[str], i: int) -> int | None:
    for j in range(i, len(stripped)):
        if stripped[j]:
            return j
    return None


def _history_start(stripped: list[str], quoted: list[bool]) -> tuple[int, set[int]]:
    """Where the unquoted history starts, and which attribution lines introduce a quote."""
    soft: set[int] = set()
    n = len(stripped)
    i = 0
    while i < n:
        line = stripped[i]
        if quoted[i] or not line:
            i += 1
            continue
        if p.FORWARD.match(line):
            # A forwarded message is content: nothing after it is history.
            return n, soft
        if p.SEPARATOR.match(line) or _is_header_block(stripped, quoted, i):
            return i, soft
        if p.UNDERSCORE_RULE.match(line) or p.DASH_RULE.match(line):
            nxt = _next_nonblank(stripped, i + 1)
            if nxt is not None and _is_header_block(stripped, quoted, nxt):
                return i, soft
        end = _attribution_end(stripped, quoted, i, loose=True)
        if end is not None:
            nxt = _next_nonblank(stripped, end + 1)
            if nxt is not None and quoted[nxt]:
                soft.update(range(i, end + 1))
                i = end + 1
                continue
            if _attribution_end(stripped, quoted, i) is not None:
                return i, soft
        i += 1
    return n, soft


def _is_sig_start(stripped: list[str], quoted: list[bool], i: int, cut: int) -> bool:
    line = stripped[i]
    if p.SIG_DELIMITER.match(line) or p.MOBILE_FOOTER.match(line):
        return True
    if p.ADDRESS_ONLY.match(line) and i and not stripped[i - 1]:
        # Only history may follow it (unquoted after the cut, or quoted).
        for k in range(i + 1, len(stripped)):
            if k >= cut:
                return True
            if stripped[k] and not quoted[k]:
                return False
        return any(quoted[i + 1 :])
    dash_name = p.SIG_DASH_NAME.match(line)
    if not dash_name and not p.SIG_DASH_SPACE_NAME.match(line):
        return False
    # At most a few lines (and no "-item") may follow a "-Name" sign-off.
    rest = [s for s in stripped[i + 1 : min(cut, i + 40)] if s]
    if dash_name and (i == 0 or not stripped[i - 1] or not rest):
        # "-Abhishek": a short sign-off, not the first item of a "-item" list.
        return len(rest) <= 4 and not any(s.startswith("-") for s in rest)
    if rest or not i or stripped[i - 1]:
        return False
    before = next((s for s in reversed(stripped[max(0, i - 40) : i]) if s), "")
    return not before.startswith("-")


def _join(lines: list[str]) -> str:
    # "-- " keeps its space: it is the RFC 3676 delimiter a reader recognises.
    return "\n".join(line if line == "-- " else line.rstrip() for line in lines).strip("\n")


def _split_inline_attributions(lines: list[str]) -> list[str]:
    """Put an attribution that shares its line with reply text on a line of its own."""
    out: list[str] = []
    for line in lines:
        short = len(line) <= _MAX_ATTRIBUTION * 2
        match = p.INLINE_ATTRIBUTION.match(line.strip()) if short and "wrote" in line else None
        if match and not p.QUOTED.match(line) and not p.WROTE_START.match(line.strip()):
            out.extend([match["text"].rstrip("- "), match["attr"]])
        else:
            out.append(line)
    return out


def _mark_link_fragments(stripped: list[str], quoted: list[bool]) -> None:
    """A wrapped link between two quoted lines is part of the quote, not an answer."""
    for i in range(1, len(stripped) - 1):
        if quoted[i] or len(stripped[i]) > _MAX_ATTRIBUTION:
            continue
        if not p.LINK_FRAGMENT.match(stripped[i]):
            continue
        if quoted[i - 1] and any(quoted[j] for j in range(i + 1, min(i + 3, len(stripped)))):
            quoted[i] = True


def _unquote_forwards(lines: list[str], stripped: list[str], quoted: list[bool]) -> None:
    """A quote that starts with "Forwarded message" is a forward (Gmail puts it in its quote
    container): content to read, so its lines lose one quote level and count as text."""
    previous_quoted = False
    for i, line in enumerate(stripped):
        if not line:
            continue
        if quoted[i] and not previous_quoted and p.FORWARD.match(line.lstrip("> ")):
            k = i
            while k < len(lines) and (quoted[k] or not stripped[k]):
                lines[k] = _ONE_QUOTE_LEVEL.sub("", lines[k])
                stripped[k] = lines[k].strip() if len(lines[k]) <= _MAX_LINE else _LONG_LINE
                quoted[k] = bool(p.QUOTED.match(lines[k]))
                k += 1
            return
        previous_quoted = quoted[i]


def split_plain(text: str) -> ReplyParts:
    """Split a plain-text body into its visible reply, signature and hidden history."""
    lines = _split_inline_attributions(normalise(text).split("\n"))
    # A line longer than any separator, header or footer is text: the patterns never see
    # it, so no input can make them backtrack for long.
    stripped = [line.strip() if len(line) <= _MAX_LINE else _LONG_LINE for line in lines]
    quoted = [bool(p.QUOTED.match(line)) for line in lines]
    _mark_link_fragments(stripped, quoted)
    _unquote_forwards(lines, stripped, quoted)
    cut, soft = _history_start(stripped, quoted)

    kinds: list[int] = []
    in_sig = False
    for i in range(cut):
        if quoted[i] or i in soft:
            kinds.append(_QUOTED)
            in_sig = False
        elif not stripped[i]:
            kinds.append(_SIG if in_sig else _BLANK)
        elif in_sig or _is_sig_start(stripped, quoted, i, cut):
            kinds.append(_SIG)
            in_sig = True
        else:
            kinds.append(_TEXT)

    last_text = max((i for i, k in enumerate(kinds) if k == _TEXT), default=-1)
    if last_text < 0 and cut == len(lines):
        # Nothing but a quote (and no copied history): show the quote rather than nothing.
        last_text = max((i for i, k in enumerate(kinds) if k == _QUOTED), default=-1)
    reply_lines = lines[: last_text + 1]
    sig_lines: list[str] = []
    sig_start = next((i for i in range(last_text + 1, cut) if kinds[i] == _SIG), None)
    if sig_start is not None:
        end = sig_start
        while end < cut and kinds[end] == _SIG:
            end += 1
        sig_lines = lines[sig_start:end]
    hidden = [
        lines[i]
        for i in range(last_text + 1, len(lines))
        if not (sig_start is not None and sig_start <= i < sig_start + len(sig_lines))
    ]
    return ReplyParts(
        reply=_join(reply_lines),
        signature=_join(sig_lines) or None,
        quoted=_join(hidden) or None,
    )
