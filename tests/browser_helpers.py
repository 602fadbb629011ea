"""Shared by the browser tests: log in through the form, run axe-core in the page, keep screenshots."""
import os
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"


def log_in(page, server, email, next_path="/"):
    page.goto(f"{server}/auth/login?next={next_path}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(f"{server}{next_path.split('#')[0]}*")


def axe_problems(page):
    """axe-core's serious and critical violations on the page as it is now, as readable lines ([] when none).

    axe is evaluated through the DevTools protocol, so the pages keep their Content-Security-Policy."""
    if not AXE.exists():
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"{AXE} is missing: `make test` installs it with npm ci")
        pytest.skip("axe-core is not installed (npm ci)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => v.id + ': ' + v.help + ' at ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))""")
    return [f"{page.url}: {line}" for line in violations]


def screenshot(page, name, tmp_path):
    """Keep a picture; SCREENSHOT_DIR=docs/screenshots refreshes the README's."""
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    page.screenshot(path=str(folder / name), full_page=True)
