"""Browser tests: headless Debian Chromium, driven by Playwright against the live server.

The server's clock is frozen to a Monday morning in winter (and runs on from there), so the
tests never meet a public holiday, a closed location or midnight, whenever the suite runs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import axe_playwright_python
import pytest
import time_machine
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE_JS = Path(axe_playwright_python.__file__).resolve().parent / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
HERE = Path(__file__).resolve().parent
# Monday 14 January 2030, 10:00 in Hamburg: every demo location is open, no holiday.
MONDAY_MORNING = "2030-01-14 10:00:00+01:00"


def _in_ci() -> bool:
    return bool(os.environ.get("CI"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = not CHROMIUM.exists()
    for item in items:
        if HERE not in Path(str(item.path)).resolve().parents:
            continue
        item.add_marker(pytest.mark.browser)
        # whitenoise warns when STATIC_ROOT (var/static) was never collected; the live server
        # serves static files from the finders anyway.
        item.add_marker(pytest.mark.filterwarnings("ignore:No directory at:UserWarning"))
        if missing and not _in_ci():
            item.add_marker(pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM}"))


@pytest.fixture(scope="session", autouse=True)
def _chromium_required() -> None:
    if CHROMIUM.exists():
        return
    if _in_ci():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: browser tests must run in CI; "
            "install Debian's chromium",
            pytrace=False,
        )
    pytest.skip(f"Chromium not found at {CHROMIUM}")


@pytest.fixture(scope="package", autouse=True)
def _allow_async_unsafe() -> Iterator[None]:
    """Playwright's sync API runs an asyncio loop in the test thread; Django would otherwise
    refuse ORM calls from it (SynchronousOnlyOperation). Only for this folder's tests."""
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if before is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture(scope="package")
def browser(_chromium_required: None, _allow_async_unsafe: None) -> Iterator[Browser]:
    """One headless Chromium for the browser tests; closed when they are done, so the
    Playwright event loop does not outlive them into the rest of the test session."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    # bypass_csp: the site allows no inline scripts, and axe is injected as one.
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin", bypass_csp=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def frozen_clock() -> Iterator[time_machine.Traveller]:
    """The server (a thread of this process) lives on Monday morning; time runs on."""
    with time_machine.travel(MONDAY_MORNING, tick=True) as traveller:
        yield traveller


@pytest.fixture
def demo_city_live(transactional_db: None) -> None:
    """The Hamburg demo city, committed so that the live server's thread sees it."""
    from hamburg_service.catalog.demo import demo_city_load

    demo_city_load()


@pytest.fixture
def site(live_server, demo_city_live: None) -> str:  # type: ignore[no-untyped-def]
    """Base URL of the live server, with the demo city loaded."""
    return live_server.url


def assert_no_axe_violations(page: Page) -> None:
    """Run axe-core (WCAG 2.0/2.1 A and AA) on the page and fail with a readable list."""
    page.add_script_tag(path=str(AXE_JS))
    violations = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return result.violations.map((v) => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
                count: v.nodes.length,
            }));
        }""",
        AXE_TAGS,
    )
    if violations:
        lines = [f"{len(violations)} axe violation(s) on {page.url}:"]
        for v in violations:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']} [{v['count']} node(s)]")
            lines.extend(f"    {target}" for target in v["targets"])
        pytest.fail("\n".join(lines), pytrace=False)
