"""The web page in a real browser: headless Chromium from the distribution's packages
(``apt-get install chromium``), driven by Playwright (``executable_path``: no browser is
downloaded), with axe-core (tests/browser, ``npm ci``) for the accessibility check.

A young person's conversation (buttons to sextortion, a French and an Arabic message, the
page turning right-to-left, the SAJ for 5000 and by location), WCAG 2.1 AA in French and in
Arabic, the page at 200% zoom, "Quitter vite" (the state is gone, Back does not return), and
one screenshot per language in tests/artifacts/. Missing Chromium, Playwright or axe-core:
these tests fail in CI (CI=true) and are skipped elsewhere.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web

from bot.config import Settings
from bot.dialog import Dialog
from bot.engine import LANGS
from bot.store import MemoryStateStore, session_key
from bot.web import build_service, build_web_app
from bot.web.app import RUNNER
from bot.web.service import WebService

from .conftest import NOW, ROOT, free_port, in_ci

pytestmark = pytest.mark.browser

AXE = ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "tests" / "artifacts"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
NAMUR = {"latitude": 50.4669, "longitude": 4.8675}


def require(what: str, ok: bool, how: str) -> None:
    if ok:
        return
    message = f"{what} is missing for the browser tests: {how}"
    if in_ci():
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class Site:
    base: str
    neutral: str
    service: WebService
    store: MemoryStateStore


async def _serve(app: web.Application, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, **RUNNER)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


@pytest.fixture
async def site(dialog: Dialog) -> AsyncIterator[Site]:
    """The web app on a real port, and a neutral site standing in for the exit page and
    for the page the visitor came from."""
    neutral_port, port = free_port(), free_port()
    neutral = f"http://127.0.0.1:{neutral_port}"

    async def plain(request: web.Request) -> web.Response:
        return web.Response(text=f"<!doctype html><title>{request.path}</title><p>ok</p>",
                            content_type="text/html")

    other = web.Application()
    other.router.add_get("/{name}", plain)
    settings = Settings.load({"WEB_SECRET": "browser-test",
                              "WEB_EXIT_URL": f"{neutral}/meteo"})
    store = MemoryStateStore()
    service = build_service(settings, dialog, store, None, clock=lambda: NOW)
    runners = [await _serve(other, neutral_port),
               await _serve(build_web_app(settings, service), port)]
    yield Site(f"http://127.0.0.1:{port}/", neutral, service, store)
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    require("Chromium", chromium is not None,
            "apt-get install chromium (.ci/run installs it when missing)")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        require("Playwright", False, "pip install -e '.[dev]'")
        raise
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=chromium)
        yield browser
        await browser.close()


async def new_page(browser: Any, **options: Any) -> Any:
    context = await browser.new_context(
        locale="fr-BE", viewport={"width": 360, "height": 740}, **options)
    page = await context.new_page()
    page.set_default_timeout(15_000)
    page.problems = []  # console errors (a CSP violation is one)
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    return page


async def bot_count(page: Any) -> int:
    n: int = await page.locator("div.bot").count()
    return n


async def wait_reply(page: Any, before: int) -> str:
    await page.wait_for_function(
        "n => document.querySelectorAll('div.bot').length > n", arg=before)
    await page.wait_for_function("() => !document.getElementById('log').ariaBusy")
    text: str = await page.locator("div.bot").last.inner_text()
    return text


async def press(page: Any, label: str) -> str:
    before = await bot_count(page)
    await page.get_by_role("button", name=label).last.click()
    return await wait_reply(page, before)


async def type_message(page: Any, text: str) -> str:
    before = await bot_count(page)
    await page.locator("#msg").fill(text)
    await page.locator("#msg").press("Enter")
    return await wait_reply(page, before)


async def axe(page: Any) -> list[dict[str, Any]]:
    """WCAG 2.1 A and AA violations on the page as it is (axe-core, run in the page)."""
    if not await page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluated through the DevTools protocol: the page's CSP stays as it is
        await page.evaluate(AXE.read_text(encoding="utf-8"))
    result = await page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, "
        "nodes: v.nodes.map(n => n.target.join(' '))})))", WCAG_AA)
    violations: list[dict[str, Any]] = result
    return violations


async def session_of(page: Any) -> str:
    sid: str = await page.evaluate("() => sessionStorage.getItem('fwb-session')")
    return sid


async def no_horizontal_scroll(page: Any) -> bool:
    ok: bool = await page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    return ok


async def test_a_young_persons_conversation_in_the_browser(site: Site, browser: Any) -> None:
    require("axe-core", AXE.exists(), "npm ci --prefix tests/browser (.ci/run does it)")
    ARTIFACTS.mkdir(exist_ok=True)
    page = await new_page(browser, permissions=["geolocation"], geolocation=NAMUR)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    await page.goto(f"{site.neutral}/before")  # the page the visitor came from
    await page.goto(site.base)
    first = await wait_reply(page, 0)
    assert "assistant automatique" in first
    assert await page.get_attribute("html", "lang") == "fr"

    # the young person's buttons, to sextortion
    assert "De quoi veux-tu parler" in await press(page, "Je suis un ou une jeune")
    assert "sextorsion" in (await press(page, "On me fait du chantage")).lower()
    # a French message
    typed = "il menace de publier mes photos"
    assert "sextorsion" in (await type_message(page, typed)).lower()
    assert (await page.locator("div.me").last.inner_text()).endswith(typed)
    violations = await axe(page)
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)
    await page.screenshot(path=str(ARTIFACTS / "web-conversation-fr.png"), full_page=True)

    # an Arabic message: the bot offers Arabic; the page turns right-to-left
    await type_message(page, "مرحبا أحتاج مساعدة")
    await press(page, "العربية")
    assert await page.get_attribute("html", "dir") == "rtl"
    assert await page.get_attribute("html", "lang") == "ar"
    assert await page.locator("#exit").inner_text() == "خروج سريع"

    # the SAJ for 5000, through the postcode field
    await type_message(page, "/saj")
    assert await page.locator("#place").is_visible()
    # what the user typed keeps its own direction in a right-to-left page
    assert await page.locator("div.me span[dir=auto]").last.evaluate("e => e.matches(':dir(ltr)')")
    before = await bot_count(page)
    await page.locator("#place-input").fill("5000")
    await page.locator("#place-input").press("Enter")
    found = await wait_reply(page, before)
    assert "Namur" in found and "SAJ" in found
    assert not await page.locator("#place").is_visible()
    # and by the browser's geolocation, on request
    await type_message(page, "/saj")
    before = await bot_count(page)
    await page.locator("#locate").click()
    assert "Namur" in await wait_reply(page, before)

    violations = await axe(page)
    assert violations == [], json.dumps(violations, ensure_ascii=False, indent=1)
    await page.screenshot(path=str(ARTIFACTS / "web-conversation-ar.png"), full_page=True)

    # readable at 200% zoom (a 360 px phone shows 180 CSS px) and at 320 CSS px: no
    # horizontal scrolling, the exit button in view
    for width in (320, 180):
        await page.set_viewport_size({"width": width, "height": 640})
        assert await no_horizontal_scroll(page), f"horizontal scroll at {width} CSS px"
        assert await page.locator("#exit").is_visible()
        box = await page.locator("#exit").bounding_box()
        assert box is not None and box["y"] >= 0 and box["x"] + box["width"] <= width + 1
    await page.screenshot(path=str(ARTIFACTS / "web-zoom-200-ar.png"))

    # nothing but this server was asked for anything; no console error (no CSP violation)
    assert all(u.startswith((site.base, site.neutral)) for u in requests), requests
    assert page.problems == []
    assert await page.context.cookies() == []

    # "Quitter vite": the state is erased, the tab leaves, and Back does not return
    sid = await session_of(page)
    key = session_key(sid, site.service.secret)
    assert await site.store.get(key) is not None
    await page.locator("#exit").click()
    await page.wait_for_url(f"{site.neutral}/meteo")
    for _ in range(50):
        if await site.store.get(key) is None:
            break
        await page.wait_for_timeout(100)
    assert await site.store.get(key) is None
    await page.go_back()
    assert page.url == f"{site.neutral}/before"
    assert "Namur" not in await page.content()
    await page.context.close()


async def test_escape_leaves_at_once(site: Site, browser: Any) -> None:
    page = await new_page(browser)
    await page.goto(site.base)
    await wait_reply(page, 0)
    await press(page, "Je suis un ou une jeune")
    key = session_key(await session_of(page), site.service.secret)
    assert await site.store.get(key) is not None
    await page.locator("#msg").focus()
    await page.keyboard.press("Escape")
    await page.wait_for_url(f"{site.neutral}/meteo")
    for _ in range(50):
        if await site.store.get(key) is None:
            break
        await page.wait_for_timeout(100)
    assert await site.store.get(key) is None
    await page.go_back()
    assert not page.url.startswith(site.base)
    await page.context.close()


async def test_forget_clears_the_page_and_starts_a_new_session(site: Site,
                                                                browser: Any) -> None:
    page = await new_page(browser)
    await page.goto(site.base)
    await wait_reply(page, 0)
    old = await session_of(page)
    # "/forget" in the bot's own text (the privacy screen) is a button on the web
    await press(page, "🔒 Ce que le bot garde")
    before = await bot_count(page)
    await page.locator("div.bot button.cmd", has_text="/forget").first.click()
    await page.wait_for_function("() => document.querySelectorAll('div.bot').length === 1")
    assert "effacé" in await page.locator("div.bot").last.inner_text()
    assert before >= 1 and await session_of(page) != old
    assert await site.store.get(session_key(old, site.service.secret)) is None
    await page.context.close()


async def test_every_language_renders_accessibly(site: Site, browser: Any) -> None:
    """One screenshot per language (tests/artifacts/web-<lang>.png) and an axe check."""
    require("axe-core", AXE.exists(), "npm ci --prefix tests/browser (.ci/run does it)")
    ARTIFACTS.mkdir(exist_ok=True)
    page = await new_page(browser)
    failures: dict[str, Any] = {}
    for lang in LANGS:
        await page.goto(f"{site.base}?lang={lang}")
        await wait_reply(page, 0)
        assert await page.get_attribute("html", "lang") == lang
        expected = "rtl" if lang in ("ar", "fa", "ps") else "ltr"
        assert await page.get_attribute("html", "dir") == expected
        await page.screenshot(path=str(ARTIFACTS / f"web-{lang}.png"), full_page=True)
        violations = await axe(page)
        if violations:
            failures[lang] = violations
        await page.evaluate("() => sessionStorage.clear()")
    assert failures == {}, json.dumps(failures, ensure_ascii=False, indent=1)
    assert page.problems == []
    await page.context.close()


def test_artifacts_are_not_committed() -> None:
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8")
    assert "tests/artifacts/" in ignored
    assert "node_modules/" in ignored
