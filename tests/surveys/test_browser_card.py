"""The rating card in a real Chromium: an agent sends the survey from the console's side
panel, the visitor sees the card in the widget live, rates with a comment, and the console
shows the rating. No page error, no CSP violation. Screenshots in test-artifacts/."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_or_skip
from tests.e2e.test_browser import (  # noqa: F401  (module fixtures, used by name)
    CHROMIUM,
    CSP_PROBE,
    DEMO_PASSWORD,
    WAIT_MS,
    Watch,
    artifacts,
    browser,
    socket_ready,
    wait_until,
)
from tests.support.live_server import LiveServer, live_server, migrate, run_django, server_env

# The module's server (migrations, demo data) starts and stops inside this one test.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.embedded_only,
    pytest.mark.timeout(400),
]


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The e2e demo server (seeded, assistant off), with more time to come up: on a busy
    machine the default 30 s was not always enough."""
    require_or_skip(Path(CHROMIUM).exists(), f"Chromium is needed at {CHROMIUM}")
    data_dir = tmp_path_factory.mktemp("surveys-browser")
    env = server_env(database_url=f"sqlite:///{data_dir / 'b.sqlite3'}", data_dir=data_dir)
    migrate(env)
    run_django(
        env,
        "from django.core.management import call_command\ncall_command('seed_demo')\n"
        "from blockdesk.assistant.models import AssistantSettings\n"
        "AssistantSettings.objects.update(enabled=False)",
    )
    with live_server(env, timeout=120) as server:
        yield server


def test_visitor_rates_from_the_card_the_agent_sent(
    demo_server: LiveServer,
    browser: Any,  # noqa: F811
    artifacts: Path,  # noqa: F811
) -> None:
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    origin = demo_server.origin
    first = f"My withdrawal is late ({uuid.uuid4().hex[:6]})"
    agent_ctx = browser.new_context(base_url=origin, locale="en-US")
    visitor_ctx = browser.new_context(base_url=origin, locale="en-US")
    for ctx in (agent_ctx, visitor_ctx):
        ctx.add_init_script(CSP_PROBE)
        ctx.set_default_timeout(WAIT_MS)
    agent, visitor = agent_ctx.new_page(), visitor_ctx.new_page()
    agent_watch, visitor_watch = Watch("agent"), Watch("visitor")
    agent_watch.attach(agent)
    visitor_watch.attach(visitor)
    try:
        agent.goto("/accounts/login/")
        agent.fill("#id_username", "alice")
        agent.fill("#id_password", DEMO_PASSWORD)
        agent.click("button[type=submit]")
        agent.wait_for_url(re.compile(r"/app/$"))

        visitor.goto("/widget-demo/")
        visitor.locator("button.bd-launcher").click()
        widget = visitor.frame_locator("iframe.bd-frame")
        widget.locator("#bdw-input").fill(first)
        widget.locator("#bdw-input").press("Enter")
        expect(
            widget.locator(".bdw-msg.bdw-mine[data-id] .bdw-text", has_text=first)
        ).to_be_visible()
        wait_until(visitor, socket_ready(visitor_watch, "/ws/widget/"), "the visitor socket")

        agent.reload()
        row = agent.locator(".conv-row", has=agent.locator(".snippet-text", has_text=first))
        row.locator("a.conv-link").click()
        agent.wait_for_url(re.compile(r"/app/c/\d+/"))
        card = agent.locator('[data-testid="survey-card"]')
        card.get_by_role("button", name="Send survey now").click()
        agent.wait_for_url(re.compile(r"/app/c/\d+/"))

        rating = widget.locator(".bdw-csat")
        expect(rating).to_be_visible()
        expect(rating.locator(".bdw-csat-choice")).to_have_count(5)
        visitor.screenshot(path=str(artifacts / "1-card.png"))
        rating.locator(".bdw-csat-choice", has_text="4").click()
        rating.locator(".bdw-csat-comment").fill("Clear answer, thanks")
        rating.locator(".bdw-csat-send").click()
        expect(widget.locator(".bdw-csat-done")).to_have_text("Thank you for your rating!")
        visitor.screenshot(path=str(artifacts / "2-rated.png"))

        agent.reload()
        expect(agent.locator('[data-testid="survey-rating"]')).to_contain_text("Rated 4/5")
        agent.screenshot(path=str(artifacts / "3-console.png"))
        # A second survey, answered on the public page through its link (as from an email):
        # a real browser's form post passes the CSRF check.
        card = agent.locator('[data-testid="survey-card"]')
        card.get_by_role("button", name="Send survey now").click()
        agent.wait_for_url(re.compile(r"/app/c/\d+/"))
        body = agent.locator(".msg-body", has_text="/survey/rate/").last
        link = re.search(r"https?://\S+/survey/rate/\S+/", body.inner_text())
        assert link is not None
        page = visitor_ctx.new_page()
        visitor_watch.attach(page)
        page.goto(link.group(0) + "?score=5")
        expect(page.locator('input[name="score"][value="5"]')).to_be_checked()
        page.fill("#survey-comment", "Second time, by email")
        page.get_by_role("button", name="Send my rating").click()
        expect(page.locator('[data-testid="survey-done"]')).to_have_text(
            "Thank you for your rating!"
        )
        page.screenshot(path=str(artifacts / "4-rating-page.png"))
        page.go_back()
        page.reload()
        expect(page.locator('[data-testid="survey-done"]')).to_have_text(
            "This survey was already answered. Thank you!"
        )
        for watch in (agent_watch, visitor_watch):
            assert watch.crashes == [], watch.crashes
            assert watch.own_csp_violations(origin) == [], watch.csp
    finally:
        agent_ctx.close()
        visitor_ctx.close()
