"""A real headless Chromium (Debian's `chromium` + `chromedriver`, through Selenium) against a live server,
with axe-core (npm, tests/e2e/package-lock.json) run inside each page and screenshots saved as artifacts.

Missing Chromium or axe-core skips locally and FAILS under CI=true (.ci/run installs both).
Screenshots: artifacts/admin-ui/<page>-<width>.png (ADMIN_UI_SCREENSHOTS overrides the folder).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import (
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.services import IN_CI

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(os.environ.get("ADMIN_UI_SCREENSHOTS", ROOT / "artifacts" / "admin-ui"))
WIDTHS = (1280, 390)
SERIOUS = {"serious", "critical"}


def _missing(what: str) -> None:
    if IN_CI:
        pytest.fail(f"{what}; CI=true requires it (.ci/run installs it)", pytrace=False)
    pytest.skip(what)


def chromium_paths() -> tuple[str, str]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        _missing(
            "Debian's chromium and chromium-driver are missing (apt-get install chromium chromium-driver)"
        )
    assert browser is not None
    assert driver is not None
    return browser, driver


def axe_source() -> str:
    if not AXE.exists():
        _missing(f"axe-core is not installed: run `npm ci --prefix {AXE.parents[2].relative_to(ROOT)}`")
    return AXE.read_text()


def start_chromium() -> webdriver.Chrome:
    browser, driver = chromium_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1280,900",
        "--lang=en-GB",
        "--force-device-scale-factor=1",
    ):
        options.add_argument(argument)
    # Service(executable_path) pins Debian's chromedriver: Selenium Manager never downloads anything.
    return webdriver.Chrome(service=Service(executable_path=driver), options=options)


class Browser:
    """The driver plus what every step of the tests needs: open, fill, wait, check a page, screenshot."""

    def __init__(self, driver: webdriver.Chrome, base_url: str) -> None:
        self.driver = driver
        self.base_url = base_url
        self._axe = axe_source()
        self.checked: dict[str, list[dict[str, Any]]] = {}
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def open(self, path: str) -> None:
        self.driver.get(self.base_url + path)

    @property
    def path(self) -> str:
        url = str(self.driver.current_url)
        return url[len(self.base_url) :] if url.startswith(self.base_url) else url

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css: str) -> list[WebElement]:
        return list(self.driver.find_elements(By.CSS_SELECTOR, css))

    def text(self) -> str:
        # A navigation can swap the document between finding <body> and reading it; chromedriver then
        # raises a bare WebDriverException ("Node ... does not belong to the document"), not a stale one.
        for _ in range(5):
            try:
                return str(self.find("body").text)
            except WebDriverException as exc:
                if "does not belong to the document" not in str(exc):
                    raise
                time.sleep(0.1)
        return str(self.find("body").text)

    def fill(self, css: str, value: str) -> None:
        element = self.find(css)
        element.clear()
        element.send_keys(value)

    def set_value(self, css: str, value: str) -> None:
        """Replace a textarea's text at once and fire `input` (send_keys types braces oddly slowly)."""
        element = self.find(css)
        self.driver.execute_script(
            "arguments[0].value = arguments[1];"
            "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));",
            element,
            value,
        )

    def click(self, css: str) -> None:
        self.find(css).click()

    def wait_for(self, check: Callable[[], Any], within: float = 20.0, what: str = "condition") -> Any:
        try:
            wait = WebDriverWait(
                self.driver,
                within,
                poll_frequency=0.1,
                ignored_exceptions=(StaleElementReferenceException, NoSuchElementException),
            )
            return wait.until(lambda _driver: check())
        except TimeoutException as exc:
            raise AssertionError(
                f"{what} not met within {within}s on {self.path}:\n{self.text()[:2000]}"
            ) from exc

    def wait_text(self, text: str, within: float = 20.0) -> None:
        self.wait_for(lambda: text in self.text(), within, f"text {text!r}")

    def check_page(self, name: str) -> None:
        """axe-core in the page (no serious or critical violation), then a screenshot at each width."""
        self.driver.execute_script(self._axe)
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations))"
            ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));"
        )
        violations = [v for v in result if v.get("impact") in SERIOUS]
        self.checked[name] = violations
        assert not violations, f"{name}: " + "; ".join(
            f"{v['id']} ({v['impact']}): {v['help']} at {[n.get('target') for n in v.get('nodes', [])][:3]}"
            for v in violations
        )
        for width in WIDTHS:
            self.driver.set_window_size(width, 900)
            time.sleep(0.1)
            self.driver.save_screenshot(str(SCREENSHOTS / f"{name}-{width}.png"))
            overflow = self.driver.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;"
            )
            assert overflow <= 1, f"{name} scrolls sideways at {width} px ({overflow} px too wide)"
        self.driver.set_window_size(1280, 900)
