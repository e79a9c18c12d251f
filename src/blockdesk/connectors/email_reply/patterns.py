"""Line patterns of the mail clients our customers use (English, Chinese, a few others).

Each pattern matches one *stripped* line of the plain-text body. The clients' conventions
were read from their own output and from the public reply-parsing suites (GitHub's
email_reply_parser, Mailgun's talon, mail-parser-reply): attribution lines ("On … wrote:",
"在 … 写道："), separators ("-----Original Message-----", QQ's "------ 原始邮件 ------"),
Outlook/Foxmail header blocks ("From: / Sent: / To: / Subject:", "发件人： / 发送时间："),
signature delimiters and mobile footers.
"""

from __future__ import annotations

import re

# A quoted line: ">" (possibly nested, possibly after one space as some clients indent).
QUOTED = re.compile(r"^ ?>")

# "On Mon, 1 Jan 2024 at 10:00, Jane <jane@example.com> wrote:" and its translations.
# The verb is what identifies the line; the length limit keeps a long paragraph that
# happens to end with "wrote:" out.
_WROTE_VERBS = (
    r"wrote|writes|a écrit|a ecrit|schrieb|escribió|escribio|ha scritto|scrisse|escreveu|"
    r"schreef|geschreven|skrev|kirjoitti|napisał\(a\)|napisał|napisala|napsal\(a\)|napsal|írta|"
    r"написал\(а\)|написал|написала|yazdı|έγραψε"
)
WROTE_LINE = re.compile(
    rf"(?:\b(?:{_WROTE_VERBS})\b[^:：\n]{{0,80}}|(?:{_WROTE_VERBS}))\s*[:：]\s*$", re.I
)
# The attribution's first line, when a client wraps it ("On Tue, Jan 2, 2024 at 10:00 AM
# Jane Doe <\njane@example.com> wrote:").
WROTE_START = re.compile(
    r"^(?:On|Le|Am|El|Il|Em|Op|Den|W dniu|Dne|Dnia|\d{1,4}[./-]|\d{4}年|在)\b", re.I
)
# "On <date>, <name> sent:" and a dash-wrapped "------On <date>, <name> wrote-----".
ON_SENT_LINE = re.compile(r"^On\s.{3,250}\bsent\s*:\s*$", re.I)
DASHED_WROTE_LINE = re.compile(
    rf"^-{{2,}}\s*On\s.{{3,250}}\b(?:{_WROTE_VERBS})\s*:?\s*-{{2,}}$", re.I
)
# Gmail's older "2014-10-17 11:28 GMT+03:00 Jane <jane@example.com>:" (no verb), and
# "2011/4/7 Jane <jane@example.com>" above a quote.
DATE_ATTRIBUTION = re.compile(
    r"^\d{4}(?:[-/.]|年)\d{1,2}(?:[-/.]|月)\d{1,2}.{0,200}<\s*[^<>\s]*@[^<>\s]*>\s*:?\s*$"
)
# Any "<date> … Name <a@b>:" line (mail.ru "… от Name <a@b>:", Japanese Gmail).
ADDRESS_ATTRIBUTION = re.compile(r"\d.{0,250}<[^<>\s]+@[^<>\s]+>\s*[:：]$")
# Reply text and an attribution on one line: "Thanks! On Wed, Apr 4, 2012, Bob wrote:".
INLINE_ATTRIBUTION = re.compile(
    rf"^(?P<text>\S.*?)\s*-*\s*(?P<attr>On\s.{{5,250}}\b(?:{_WROTE_VERBS})\s*:)\s*$"
)
# A wrapped link that breaks a run of quoted lines ("(http://example.com/c/YzMmE) >").
LINK_FRAGMENT = re.compile(r"^\(?\S*(?:https?://|/|=)\S*\)?\s*>?\s*$|^\S*\)\s*>?\s*$")
# Crypto addresses and hashes: a "From: 0x… / To: 0x…" block is a transfer, not a header.
CRYPTO_VALUE = re.compile(
    r"\b0x[0-9a-fA-F]{8,}|\b[13bc][a-km-zA-HJ-NP-Z1-9]{25,}\b|\bbc1[a-z0-9]{20,}"
)
RFC_DATE_VALUE = re.compile(
    r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun|Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\w*\b"
    r".{0,40}\d{1,2}:\d{2}",
    re.I,
)
# Chinese and Japanese attributions: "在 2024年1月1日 星期一 10:00，张三 <a@b.com> 写道：",
# Gmail zh "张三 <a@b.com> 于2024年1月1日周一 10:00写道：", Traditional "寫道：".
ZH_WROTE_LINE = re.compile(r"(?:写道|寫道|寫到|写到|のメッセージ|のメール)\s*[:：]\s*$")
# Korean Gmail: "2024년 1월 1일 (월) 오전 10:00, 홍길동 <a@b.com>님이 작성:".
KO_WROTE_LINE = re.compile(r"님이\s*작성(?:하였습니다|했습니다)?\s*[:：]\s*$")

# "-----Original Message-----", QQ "------------------ 原始邮件 ------------------",
# NetEase "---- 回复的原邮件 ----" / "---- Replied Message ----", and translations.
SEPARATOR = re.compile(
    r"^[-=_*]{2,}(?:[ \t]+[-=_*]+)*[ \t]*(?:Original(?: Message)?|Reply Message|Replied Message|"
    r"原始邮件|原始郵件|原邮件|回复的原邮件|回覆的原郵件|原始信息|邮件原文|"
    r"Message d'origine|Ursprüngliche Nachricht|Antwort Nachricht|Originalnachricht|"
    r"Mensaje original|"
    r"Messaggio originale|Mensagem original|Oorspronkelijk bericht|Originalmeddelande|"
    r"Oprindelig meddelelse|Opprinnelig melding|Alkuperäinen viesti|Původní zpráva|"
    r"Wiadomość oryginalna|Исходное сообщение|Оригинальное сообщение|元のメッセージ|원본 메시지)"
    r"[ \t]*[-=_*][-=_*\s]*$",
    re.I,
)
# A line of underscores that Outlook puts above its header block.
UNDERSCORE_RULE = re.compile(r"^_{10,}\s*$")
DASH_RULE = re.compile(r"^-{10,}\s*$")

# Header-block keys: a "From"-like key starts a block, any other key confirms it.
_FROM_KEYS = (
    "From|发件人|發件人|寄件者|寄件人|Von|De|Da|Van|Från|Fra|От|Od|Lähettäjä|Feladó|"
    "差出人|보낸 사람|보낸사람|Kimden|Afzender"
)
_OTHER_KEYS = (
    "Sent|Date|To|Subject|Cc|Bcc|Reply-To|"
    "发送时间|發送時間|时间|時間|日期|收件人|收件者|主题|主題|主旨|抄送|副本|寄件日期|"
    "Gesendet|Datum|An|Betreff|Kopie|Envoyé|Date d'envoi|À|A|Objet|Enviado|Enviado el|Para|"
    "Asunto|Fecha|Inviato|Data|Oggetto|Verzonden|Aan|Onderwerp|Skickat|Till|Ämne|Sendt|Til|"
    "Emne|Отправлено|Дата|Кому|Тема|Wysłano|Do|Temat|Odesláno|Komu|Předmět|送信日時|宛先|件名|"
    "보낸 날짜|받는 사람|제목"
)
# Outlook bolds the keys in HTML ("*From:*" once converted); NetEase writes table rows.
_KEY_PREFIX = r"^[*\s|]*"
_KEY_SUFFIX = r"[*\s|]*[:：|]"
HEADER_FROM = re.compile(rf"{_KEY_PREFIX}(?:{_FROM_KEYS}){_KEY_SUFFIX}", re.I)
HEADER_OTHER = re.compile(rf"{_KEY_PREFIX}(?:{_OTHER_KEYS}){_KEY_SUFFIX}", re.I)
# A real header block names the subject or when it was sent; "From: / To: / Date:" alone
# is how a customer describes a transfer, and must stay.
_CONFIRM_KEYS = (
    "Sent|Subject|发送时间|發送時間|时间|時間|主题|主題|主旨|寄件日期|Gesendet|Betreff|Envoyé|Objet|"
    "Date d'envoi|Enviado|Enviado el|Asunto|Inviato|Oggetto|Verzonden|Onderwerp|Skickat|Ämne|Sendt|"
    "Emne|Отправлено|Тема|Wysłano|Temat|Odesláno|Předmět|送信日時|件名|보낸 날짜|제목"
)
HEADER_CONFIRM = re.compile(rf"{_KEY_PREFIX}(?:{_CONFIRM_KEYS}){_KEY_SUFFIX}", re.I)
HEADER_ANY = re.compile(rf"{_KEY_PREFIX}(?:{_FROM_KEYS}|{_OTHER_KEYS}){_KEY_SUFFIX}", re.I)

# A forwarded message is content the customer means us to read: never hidden.
FORWARD = re.compile(
    r"^(?:-+\s*)?(?:Forwarded message|Begin forwarded message|Original forwarded message|"
    r"转发的邮件|轉寄的郵件|轉發的郵件|转发邮件|Weitergeleitete Nachricht|Message transféré|"
    r"Mensaje reenviado|Messaggio inoltrato)\b.*$",
    re.I,
)

# Signature delimiters: "-- " (RFC 3676), "--", "__" and a short "-Name" (GitHub's suite).
# A rule of dashes or underscores counts too, as in GitHub's suite.
SIG_DELIMITER = re.compile(r"^(?:-{2,}|—+|_{2,}|─{2,}|－{2,})\s*$")
SIG_DASH_NAME = re.compile(r"^-\w[\w.' ]{0,30}$")
# "- Roman" on the last line: a sign-off when no "- item" list is above it.
SIG_DASH_SPACE_NAME = re.compile(r"^- ?\w[\w.']*(?: \w[\w.']*){0,2}$")
# Mobile and webmail footers, matched on a whole line so a sentence that starts with
# "Sent from my desk, ..." stays.
MOBILE_FOOTER = re.compile(
    r"^(?:Sent (?:wirelessly )?from my [\w\-®'’]+(?: [\w\-®'’.,]+){0,8}|"
    r"Sent from (?:Yahoo Mail|Mail|Outlook|Gmail|AOL Mail|Proton Mail|ProtonMail|Samsung|"
    r"my Samsung)\b[\w\- ]{0,40}|Sent from [\w\- ]{1,30} for (?:iPhone|iPad|iOS|Android)|"
    r"Sent (?:with|from) (?:Proton ?Mail|Tuta|Tutanota)[\w\- ]{0,40}|"
    r"Sent via [\w\- ]{1,40}|Sent using [\w\- ]{1,40}|"
    r"(?:Get|Hanki|Obtener|Télécharger|Baixe o|Scarica) Outlook (?:for|para|pour|per) "
    r"(?:iOS|Android)(?:\s*<[^<>\s]+>)?|"
    r"Envoyé (?:de|depuis) mon [\w\-®' ]{1,40}|Von meinem [\w\-®' ]{1,40} gesendet|"
    r"Enviado (?:desde|do|de) (?:mi|meu|o meu) [\w\-®' ]{1,50}|Inviato da [\w\-®' ]{1,40}|"
    r"Verzonden (?:vanaf|met) (?:mijn )?[\w\-®' ]{1,40}|Skickat från min [\w\-®' ]{1,30}|"
    r"Sendt fra min [\w\-®' ]{1,30}|Lähetetty (?:iPhonesta|iPadista|Androidista|[\w\- ]{1,30}sta)|"
    r"Wysłane z (?:mojego )?[\w\-®' ]{1,30}|Отправлено с [\w\-®' ]{1,30}|"
    r"发自我的\s*[\w\- ]{1,30}|發自我的\s*[\w\- ]{1,30}|来自我的\s*[\w\- ]{1,30}|"
    r"從我的\s*[\w\- ]{1,20}\s*傳送|从我的\s*[\w\- ]{1,20}\s*发送|"
    r"发自\s*(?:网易邮箱大师|网易邮箱|QQ邮箱|Foxmail|我的QQ邮箱|Outlook|iPad|iPhone|手机|雅虎邮箱)"
    r"[\w\- ]{0,20}|"
    r"使用\s*Proton\s*Mail\s*安全邮件发送|iPhoneから送信|iPadから送信)"
    r"[.。!]?$",
    re.I,
)
# Foxmail signs with the sender's address alone on a line above the history.
ADDRESS_ONLY = re.compile(r"^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$")
