"""Fills a PostgreSQL database with a forum at a chosen size, in bulk SQL (INSERT … SELECT
over generate_series: the 100,000 questions and 1,000,000 posts of issue 15 take minutes,
not the hours the ORM needs one object at a time). Used by bench/forum_pages.py.

The spread is meant to look like a real community rather than a uniform grid:
- categories in two languages (en heavier than zh-hans), a few busy and many quiet;
- members with a long tail: a few hundred write most posts, most write one or two;
- answers per question skewed (15 % unanswered, most with a handful, a few with ~100);
- comments on questions and answers; votes (90 % up) from many members, recent-heavy;
- reputation entries derived from those votes and accepted answers, the per-member totals,
  levels, badges and the week/month/all-time tables the leaderboard reads, exactly as
  forum/reputation.py keeps them for live points.
"""

# ruff: noqa: S608 - SQL is built from this file's fixed word lists and sizes; values go as
# parameters.
from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from blockdesk.accounts.models import Account
from blockdesk.forum import levels

EN_CATEGORIES = [
    ("deposits", "Deposits"),
    ("withdrawals", "Withdrawals"),
    ("trading", "Trading"),
    ("wallets", "Wallets and security"),
    ("kyc", "Verification (KYC)"),
    ("api", "API and bots"),
    ("fees", "Fees"),
    ("announcements-talk", "Announcements talk"),
]
ZH_CATEGORIES = [("chongzhi", "充值"), ("tixian", "提现"), ("jiaoyi", "交易"), ("anquan", "安全")]

VERBS = ["send", "withdraw", "deposit", "swap", "stake", "bridge", "convert", "recover", "move"]
NOUNS = [
    "usdt", "usdc", "bitcoin", "ether", "trx", "bnb", "solana", "dai", "matic", "arbitrum",
    "token", "airdrop", "nft", "memo", "address", "wallet", "ledger", "metamask", "tronlink",
    "seed", "account", "order", "limit", "margin", "futures", "api", "key", "webhook",
]  # fmt: skip
NETWORKS = ["trc20", "erc20", "bep20", "polygon", "optimism", "lightning", "segwit", "base"]
PROBLEMS = [
    "has not arrived", "is stuck pending", "shows the wrong amount", "was rejected",
    "needs a memo", "is missing after two hours", "failed with an error",
    "shows zero confirmations",
]  # fmt: skip
ZH_NOUNS = ["充值", "提现", "转账", "地址", "钱包", "手续费", "合约", "订单", "验证", "密钥"]
ZH_PROBLEMS = ["还没有到账", "一直在确认中", "金额不对", "被拒绝了", "需要备注吗", "显示失败"]
TAGS = [
    "usdt", "trc20", "erc20", "bep20", "bitcoin", "lightning", "kyc", "withdrawal", "deposit",
    "fees", "api", "memo", "wallet", "security", "phishing", "staking", "nft", "airdrop",
]  # fmt: skip
EXTRA_TAGS = 132  # "topic-1" …: the long tail of rarely used tags


@dataclass(frozen=True)
class Sizes:
    questions: int
    posts: int  # answers + comments
    members: int
    votes: int

    @property
    def answers(self) -> int:
        return self.posts * 6 // 10

    @property
    def comments(self) -> int:
        return self.posts - self.answers


def _arr(words: Sequence[str]) -> str:
    """An SQL array literal of fixed words (ours, not user input)."""
    return "ARRAY[" + ",".join("'" + w.replace("'", "''") + "'" for w in words) + "]"


def _pick(words: Sequence[str], rnd: str, skew: float = 1.0) -> str:
    return f"({_arr(words)})[1 + floor(power({rnd}, {skew}) * {len(words)})::int]"


def _run(label: str, sql: str, params: dict[str, Any] | None = None) -> None:
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(sql, params or {})
        count = cursor.rowcount
    print(f"  {label}: {count} rows, {time.perf_counter() - started:.1f} s", file=sys.stderr)


def _scalar(sql: str, params: dict[str, Any] | None = None) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or {})
        row = cursor.fetchone()
    return row[0] if row else None


def _question_text() -> tuple[str, str]:
    """(title, body) SQL for one row of the `s` subquery (random columns r1…r6, lang)."""
    en_title = (
        f"'How do I ' || {_pick(VERBS, 's.r3')} || ' ' || {_pick(NOUNS, 's.r4', 1.5)} || "
        f"' on ' || {_pick(NETWORKS, 's.r5', 1.3)} || '? It ' || {_pick(PROBLEMS, 's.r6')} || "
        "' (#' || s.g || ')'"
    )
    zh_title = (
        f"'我的' || {_pick(ZH_NOUNS, 's.r4', 1.3)} || {_pick(ZH_PROBLEMS, 's.r6')} || "
        "'（' || s.g || '）'"
    )
    en_body = (
        f"'I tried to ' || {_pick(VERBS, 's.r5')} || ' my ' || {_pick(NOUNS, 's.r3', 1.5)} || "
        f"' from my ' || {_pick(NOUNS, 's.r6')} || ' over ' || {_pick(NETWORKS, 's.r4')} || "
        "' yesterday and the transfer still does not show. The explorer says it is confirmed. "
        "Support asked for the transaction hash, which I sent. What else can I check before "
        "I open another ticket? Thanks in advance for any help with this.'"
    )
    zh_body = (
        f"'昨天我的' || {_pick(ZH_NOUNS, 's.r5')} || "
        "'操作以后，区块浏览器显示已经确认，但是账户里还是看不到。请问还需要检查什么？'"
    )
    title = f"CASE WHEN s.zh THEN {zh_title} ELSE {en_title} END"
    body = f"CASE WHEN s.zh THEN {zh_body} ELSE {en_body} END"
    return title, body


ANSWER_BODY = (
    "'Check that the network you chose matches the deposit address: ' || "
    f"{_pick(NETWORKS, 's.r3')} || ' deposits need ' || (3 + floor(s.r4 * 40)::int) || "
    "' confirmations before they are credited. If the explorer shows it confirmed for more than "
    "an hour, reply in your support conversation with the hash; never post your seed phrase.'"
)
COMMENT_BODY = (
    f"CASE WHEN s.r3 < 0.5 THEN 'Same here, mine ' || {_pick(PROBLEMS, 's.r4')} "
    "ELSE 'Thanks, that solved it after ' || (2 + floor(s.r5 * 50)::int) || ' minutes.' END"
)


def _members(account: Account, sizes: Sizes) -> tuple[int, int]:
    _run(
        "contacts",
        "INSERT INTO conversations_contact (account_id, name, email, locale, attributes, notes, "
        "created_at) SELECT %(a)s, '', 'forumbench' || g || '@example.com', '', '{}', '', "
        "now() - random() * interval '700 days' FROM generate_series(1, %(n)s) g",
        {"a": account.pk, "n": sizes.members},
    )
    _run(
        "members",
        "INSERT INTO customers_customeraccount (account_id, contact_id, display_name, "
        "display_name_key, password, locale, is_active, created_at) "
        "SELECT %(a)s, c.id, 'member-' || c.id, 'member-' || c.id, '', "
        "CASE WHEN c.id %% 7 = 0 THEN 'zh-hans' ELSE 'en' END, true, c.created_at "
        "FROM conversations_contact c WHERE c.email LIKE 'forumbench%%@example.com' ORDER BY c.id",
        {"a": account.pk},
    )
    first, last = _scalar(
        "SELECT min(id) || ',' || max(id) FROM customers_customeraccount WHERE account_id=%(a)s",
        {"a": account.pk},
    ).split(",")
    return int(first), int(last)


def _categories(account: Account) -> list[int]:
    ids: list[int] = []
    with connection.cursor() as cursor:
        for position, (language, slug, name) in enumerate(
            [("en", s, n) for s, n in EN_CATEGORIES] + [("zh-hans", s, n) for s, n in ZH_CATEGORIES]
        ):
            cursor.execute(
                "INSERT INTO forum_category (account_id, language, slug, name, description, "
                "position) VALUES (%s, %s, %s, %s, '', %s) RETURNING id",
                [account.pk, language, slug, name, position],
            )
            ids.append(int(cursor.fetchone()[0]))
    return ids


def _posts(account: Account, sizes: Sizes, members: tuple[int, int], cats: list[int]) -> None:
    first_member, last_member = members
    n_members = last_member - first_member + 1
    n_en = len(EN_CATEGORIES)
    title, body = _question_text()
    # Category: 85 % English (skewed to the first categories), 15 % Chinese.
    _run(
        "questions",
        "INSERT INTO forum_question (account_id, category_id, author_id, title, body, body_html, "
        "status, hold_reasons, score, flag_count, created_at, answer_count, last_activity_at) "
        f"SELECT %(a)s, CASE WHEN s.zh THEN (%(cats)s::bigint[])[{n_en + 1} + floor(s.r1 * "
        f"{len(cats) - n_en})::int] ELSE (%(cats)s::bigint[])[1 + floor(power(s.r1, 1.7) * "
        f"{n_en})::int] END, %(m0)s + floor(power(s.r2, 2.5) * %(nm)s)::bigint, "
        f"{title}, {body}, '<p>' || {body} || '</p>', "
        "CASE WHEN s.r7 < 0.01 THEN 'held' WHEN s.r7 < 0.02 THEN 'removed' ELSE 'published' END, "
        "'[]', 0, 0, s.ts, 0, s.ts FROM (SELECT g, random() < 0.15 zh, random() r1, "
        "random() r2, random() r3, random() r4, random() r5, random() r6, random() r7, "
        "now() - power(random(), 1.5) * interval '365 days' ts "
        "FROM generate_series(1, %(n)s) g) s ORDER BY s.ts",
        {"a": account.pk, "cats": cats, "m0": first_member, "nm": n_members, "n": sizes.questions},
    )
    q0 = int(_scalar("SELECT min(id) FROM forum_question"))
    # 85 % of questions can get answers, skewed (a few with ~100); the rest stay unanswered.
    _run(
        "answers",
        "INSERT INTO forum_answer (account_id, question_id, author_id, body, body_html, status, "
        "hold_reasons, score, flag_count, created_at) "
        f"SELECT %(a)s, q.id, %(m0)s + floor(power(s.r2, 3) * %(nm)s)::bigint, {ANSWER_BODY}, "
        f"'<p>' || {ANSWER_BODY} || '</p>', CASE WHEN s.r5 < 0.015 THEN 'held' ELSE "
        "'published' END, '[]', 0, 0, q.created_at + power(s.r6, 3) * (now() - q.created_at) "
        "FROM (SELECT %(q0)s + floor(power(random(), 1.3) * %(nq)s * 0.85)::bigint qid, "
        "random() r2, random() r3, random() r4, random() r5, random() r6 "
        "FROM generate_series(1, %(n)s)) s JOIN forum_question q ON q.id = s.qid",
        {
            "a": account.pk,
            "m0": first_member,
            "nm": n_members,
            "q0": q0,
            "nq": sizes.questions,
            "n": sizes.answers,
        },
    )
    a0, a1 = (
        int(x) for x in _scalar("SELECT min(id) || ',' || max(id) FROM forum_answer").split(",")
    )
    _run(
        "comments",
        "INSERT INTO forum_comment (account_id, question_id, answer_id, author_id, body, status, "
        "hold_reasons, created_at) "
        f"SELECT %(a)s, s.qid, s.aid, %(m0)s + floor(power(s.r2, 2.5) * %(nm)s)::bigint, "
        f"{COMMENT_BODY}, 'published', '[]', now() - power(s.r6, 1.5) * interval '300 days' "
        "FROM (SELECT CASE WHEN r < 0.3 THEN %(q0)s + floor(power(random(), 1.3) * %(nq)s * "
        "0.85)::bigint END qid, CASE WHEN r >= 0.3 THEN %(a0)s + floor(random() * %(na)s)::bigint "
        "END aid, random() r2, random() r3, random() r4, random() r5, random() r6 "
        "FROM (SELECT random() r FROM generate_series(1, %(n)s)) x) s",
        {
            "a": account.pk,
            "m0": first_member,
            "nm": n_members,
            "q0": q0,
            "nq": sizes.questions,
            "a0": a0,
            "na": a1 - a0 + 1,
            "n": sizes.comments,
        },
    )
    _run(
        "votes",
        "INSERT INTO forum_vote (account_id, voter_id, question_id, answer_id, value, ip_hash, "
        "created_at) SELECT %(a)s, s.voter, s.qid, s.aid, CASE WHEN s.r3 < 0.9 THEN 1 ELSE -1 END, "
        "substr(md5(s.voter::text), 1, 32), now() - power(s.r4, 2) * interval '365 days' "
        "FROM (SELECT %(m0)s + floor(power(random(), 2) * %(nm)s)::bigint voter, "
        "CASE WHEN r < 0.3 THEN %(q0)s + floor(power(random(), 1.5) * %(nq)s)::bigint END qid, "
        "CASE WHEN r >= 0.3 THEN %(a0)s + floor(power(random(), 1.2) * %(na)s)::bigint END aid, "
        "random() r3, random() r4 FROM (SELECT random() r FROM generate_series(1, %(n)s)) x) s "
        "ON CONFLICT DO NOTHING",
        {
            "a": account.pk,
            "m0": first_member,
            "nm": n_members,
            "q0": q0,
            "nq": sizes.questions,
            "a0": a0,
            "na": a1 - a0 + 1,
            "n": sizes.votes,
        },
    )
    _run(
        "answer scores",
        "UPDATE forum_answer a SET score = v.s FROM (SELECT answer_id, sum(value) s FROM "
        "forum_vote WHERE answer_id IS NOT NULL GROUP BY 1) v WHERE v.answer_id = a.id",
    )
    # Counts, last activity, question scores and an accepted answer (the best-voted) for
    # 40 % of answered questions, in one pass over the questions.
    _run(
        "question totals",
        "UPDATE forum_question q SET answer_count = coalesce(x.n, 0), "
        "last_activity_at = greatest(q.created_at, x.last), score = coalesce(x.s, 0), "
        "accepted_answer_id = CASE WHEN random() < 0.4 THEN x.best END "
        "FROM (SELECT q2.id, a.n, a.last, a.best, v.s FROM forum_question q2 "
        "LEFT JOIN (SELECT question_id, count(*) FILTER (WHERE status = 'published') n, "
        "max(created_at) last, (array_agg(id ORDER BY score DESC, id) FILTER "
        "(WHERE status = 'published'))[1] best FROM forum_answer GROUP BY 1) a "
        "ON a.question_id = q2.id "
        "LEFT JOIN (SELECT question_id, sum(value) s FROM forum_vote WHERE question_id IS NOT "
        "NULL GROUP BY 1) v ON v.question_id = q2.id) x WHERE x.id = q.id",
    )


def _tags(account: Account, questions: int) -> None:
    names = TAGS + [f"topic-{i}" for i in range(1, EXTRA_TAGS + 1)]
    _run(
        "tags",
        "INSERT INTO forum_tag (account_id, name) SELECT %(a)s, unnest(%(names)s::text[])",
        {"a": account.pk, "names": names},
    )
    _run(
        "question tags",
        "INSERT INTO forum_question_tags (question_id, tag_id) "
        "SELECT q.id, t0 + floor(power(random(), 2.2) * %(nt)s)::bigint "
        "FROM forum_question q CROSS JOIN LATERAL generate_series(0, q.id %% 3) "
        "CROSS JOIN (SELECT min(id) t0 FROM forum_tag WHERE account_id = %(a)s) t "
        "ON CONFLICT DO NOTHING",
        {"a": account.pk, "nt": len(names)},
    )


def _reputation(account: Account) -> None:
    a = {"a": account.pk}
    _run(
        "reputation: votes",
        "INSERT INTO forum_reputationentry (account_id, member_id, category_id, points, source, "
        "created_at) "
        f"SELECT %(a)s, coalesce(an.author_id, q.author_id), q.category_id, CASE "
        f"WHEN v.value < 0 THEN {levels.DOWNVOTE_RECEIVED} WHEN v.answer_id IS NOT NULL THEN "
        f"{levels.UPVOTE_ANSWER} ELSE {levels.UPVOTE_QUESTION} END, 'vote:' || v.id, "
        "v.created_at FROM forum_vote v LEFT JOIN forum_answer an ON an.id = v.answer_id "
        "JOIN forum_question q ON q.id = coalesce(v.question_id, an.question_id) "
        "WHERE coalesce(an.author_id, q.author_id) IS NOT NULL",
        a,
    )
    _run(
        "reputation: accepted",
        "INSERT INTO forum_reputationentry (account_id, member_id, category_id, points, source, "
        f"created_at) SELECT %(a)s, an.author_id, q.category_id, {levels.ACCEPTED_ANSWER}, "
        "'accept:' || q.id, least(now(), an.created_at + random() * interval '2 days') "
        "FROM forum_question q JOIN forum_answer an ON an.id = q.accepted_answer_id "
        "UNION ALL SELECT %(a)s, q.author_id, q.category_id, "
        f"{levels.ACCEPTER}, 'accepter:' || q.id, least(now(), an.created_at + interval '1 day') "
        "FROM forum_question q JOIN forum_answer an ON an.id = q.accepted_answer_id",
        a,
    )
    level = "CASE " + " ".join(
        f"WHEN r.total >= {needed} THEN {int(lvl)}"
        for lvl, needed in sorted(levels.THRESHOLDS.items(), key=lambda kv: -kv[1])
    )
    _run(
        "member totals",
        "INSERT INTO forum_memberstats (member_id, account_id, reputation, trust_level, "
        f"questions, answers, accepted) SELECT c.id, %(a)s, coalesce(r.total, 0), "
        f"{level} ELSE 0 END, coalesce(qs.n, 0), coalesce(ans.n, 0), coalesce(acc.n, 0) "
        "FROM customers_customeraccount c "
        "LEFT JOIN (SELECT member_id, sum(points) total FROM forum_reputationentry GROUP BY 1) r "
        "ON r.member_id = c.id "
        "LEFT JOIN (SELECT author_id, count(*) n FROM forum_question GROUP BY 1) qs "
        "ON qs.author_id = c.id "
        "LEFT JOIN (SELECT author_id, count(*) n FROM forum_answer GROUP BY 1) ans "
        "ON ans.author_id = c.id "
        "LEFT JOIN (SELECT an.author_id, count(*) n FROM forum_question q JOIN forum_answer an "
        "ON an.id = q.accepted_answer_id GROUP BY 1) acc ON acc.author_id = c.id "
        "WHERE c.account_id = %(a)s",
        a,
    )
    rules = {
        "first_question": "questions >= 1",
        "first_answer": "answers >= 1",
        "accepted": "accepted >= 1",
        "accepted_10": "accepted >= 10",
        "rep_100": "reputation >= 100",
        "rep_1000": "reputation >= 1000",
    }
    _run(
        "badges",
        " UNION ALL ".join(
            "SELECT %(a)s, member_id, '" + code + "', now() - random() * interval '300 days' "
            "FROM forum_memberstats WHERE account_id = %(a)s AND " + rule
            for code, rule in rules.items()
        ).join(["INSERT INTO forum_badgeaward (account_id, member_id, badge, awarded_at) ", ""]),
        a,
    )
    # The period tables, as reputation.py keeps them: calendar week (from Monday) and month,
    # overall (scope 0) and per category; and all time per category (start 1970-01-01).
    for kind, bucket in (("w", "date_trunc('week', created_at)::date"),
                         ("m", "date_trunc('month', created_at)::date"),
                         ("a", "DATE '1970-01-01'")):  # fmt: skip
        scopes = ["category_id"] if kind == "a" else ["0", "category_id"]
        for scope in scopes:
            _run(
                f"period points {kind}/{scope}",
                "INSERT INTO forum_periodpoints (account_id, member_id, kind, start, scope, "
                f"points) SELECT account_id, member_id, '{kind}', {bucket}, {scope}, sum(points) "
                "FROM forum_reputationentry WHERE category_id IS NOT NULL OR "
                f"'{scope}' = '0' GROUP BY 1, 2, 4, 5",
            )


def fill(account: Account, sizes: Sizes) -> None:
    started = time.perf_counter()
    with transaction.atomic():  # all or nothing: a failed fill leaves no half data
        cats = _categories(account)
        members = _members(account, sizes)
        _posts(account, sizes, members, cats)
        _tags(account, sizes.questions)
        _reputation(account)
    _run("vacuum analyze", "VACUUM ANALYZE")
    print(f"filled in {time.perf_counter() - started:.0f} s", file=sys.stderr)
