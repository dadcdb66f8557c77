"""A real Chromium for the console's tests: Debian's chromium driven through its chromedriver.

Nothing is downloaded: the paths are the system's (`make install` apt-installs them where missing).
"""

import base64
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.print_page_options import PrintOptions
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--lang=zh-CN", "--accept-lang=zh-CN,zh"]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "console"
DESKTOP, PHONE = (1280, 900), (390, 844)


def start_chromium() -> tuple[webdriver.Chrome, tempfile.TemporaryDirectory]:
    profile = tempfile.TemporaryDirectory(prefix="console-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile.name}")
    options.add_argument(f"--window-size={DESKTOP[0]},{DESKTOP[1]}")
    # a county office's browser: its Accept-Language (which the console forwards to the services) is Chinese
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    return driver, profile


class Browser:
    """The few things the tests do with a page, in a county office's words."""

    def __init__(self, driver: webdriver.Chrome, base: str):
        self.driver, self.base = driver, base

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    @property
    def path(self) -> str:
        return self.driver.current_url.removeprefix(self.base)

    def sign_in(self, user: str, next_path: str = "/") -> None:
        self.driver.delete_all_cookies()
        self.open(f"/login?next={next_path}")
        button = self.driver.find_element(By.CSS_SELECTOR, f'button[data-demo-user="{user}"]')
        try:
            button.click()
            self.wait_until_gone(button)
        except WebDriverException:  # Chromium may lose the node mid-click as the page turns; the form went
            pass
        self.wait_for("header .who")  # the sign-in page has none: this is the page after it

    def sign_out(self) -> None:
        button = self.driver.find_element(By.CSS_SELECTOR, "form[action='/logout'] button")
        button.click()
        self.wait_until_gone(button)
        self.wait_for("[data-demo-user]")

    def wait_for(self, css: str, timeout: float = 15):
        return WebDriverWait(self.driver, timeout).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))

    def wait_until_gone(self, element, timeout: float = 15) -> None:
        WebDriverWait(self.driver, timeout).until(lambda _: _is_gone(element))

    def one(self, css: str):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css: str):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def text(self, css: str) -> str:
        return self.one(css).text.strip()

    def html(self) -> str:
        return self.driver.page_source

    def phone(self) -> None:
        self.driver.set_window_size(*PHONE)

    def desktop(self) -> None:
        self.driver.set_window_size(*DESKTOP)

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))

    def print_pdf(self) -> bytes:
        """Chromium's print-to-PDF of the current page, on A4 paper."""
        options = PrintOptions()
        options.page_width, options.page_height = 21.0, 29.7
        return base64.b64decode(self.driver.print_page(options))


def _is_gone(element) -> bool:
    """Stale once the page it was on is replaced. While the new page is arriving, ChromeDriver may answer
    "Node with given id does not belong to the document" instead of a stale-element error: gone too."""
    try:
        element.is_enabled()
    except WebDriverException as exc:  # StaleElementReferenceException is one
        if isinstance(exc, StaleElementReferenceException) or "does not belong to the document" in (exc.msg or ""):
            return True
        raise
    return False
