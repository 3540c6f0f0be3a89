"""The report in a real browser: headless Chromium (Debian's ``chromium``) opens the page of
the embedded example with its Project Texas plan from a file:// URL and must log no console
error or warning, make no request but for the file itself, show its sections, take a
screenshot at a laptop's size and print to PDF. Chromium is required: CI installs it, and a
machine without it fails here with what to install."""

from __future__ import annotations

import os
import re
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest

import datareach as dr
from headless_chromium import Page, chromium_binary, open_page

AT = "2022-09-01"
LAPTOP = (1366, 768)
SCREENSHOT_VARIABLE = "DATAREACH_REPORT_SCREENSHOT"


def _require_chromium() -> None:
    if chromium_binary() is None:
        pytest.fail(
            "the browser tests of the report need Chromium: install Debian's chromium "
            "(apt-get install chromium fonts-dejavu-core); .ci/run installs it"
        )


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    made = dr.report(dr.examples.project_texas(), dr.examples.project_texas_as_designed(), at=AT, seed=7)
    target = folder / "project_texas_report.html"
    made.save(target)
    return target


@pytest.fixture(scope="module")
def page(report_file: Path) -> Iterator[Page]:
    _require_chromium()
    with open_page(report_file.as_uri(), width=LAPTOP[0], height=LAPTOP[1]) as opened:
        yield opened


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_page_loads_with_its_sections(page: Page) -> None:
    assert page.evaluate("document.title") == dr.examples.project_texas().name
    assert page.evaluate("document.readyState") == "complete"
    sections = page.evaluate("Array.from(document.querySelectorAll('main > section')).map(s => s.id)")
    assert sections == ["summary", "exposure", "places", "paths", "plans", "timeline", "register", "provenance"]
    assert page.evaluate("document.querySelectorAll('script').length") == 0
    assert page.evaluate("document.querySelectorAll('svg').length") >= 5
    summary = page.evaluate("document.querySelector('#summary').innerText")
    assert "Project Texas as designed makes 10 changes" in summary


def test_no_console_error_or_warning(page: Page) -> None:
    assert page.console_problems() == []


def test_no_request_but_the_file_itself(page: Page, report_file: Path) -> None:
    assert page.requests() == [report_file.as_uri()]
    failed = [params for method, params in page.events if method == "Network.loadingFailed"]
    assert failed == []


def test_every_chart_is_drawn(page: Page) -> None:
    # Every SVG has a size on the page, and every internal reference (clip paths, markers)
    # resolves to an element of the page.
    sizes = page.evaluate(
        "Array.from(document.querySelectorAll('main svg')).map(s => [s.getBoundingClientRect().width, "
        "s.getBoundingClientRect().height])"
    )
    assert sizes and all(w > 100 and h > 30 for w, h in sizes), sizes
    dangling = page.evaluate(
        "Array.from(document.querySelectorAll('[clip-path], [marker-end]')).map(e => "
        "(e.getAttribute('clip-path') || e.getAttribute('marker-end')).match(/#([^)]+)/)[1])"
        ".filter(id => !document.getElementById(id))"
    )
    assert dangling == []


def test_it_fits_a_laptop_screen(page: Page) -> None:
    # The page itself never scrolls sideways: wide tables scroll in their own box.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= LAPTOP[0]
    main = page.evaluate("document.querySelector('main').getBoundingClientRect().width")
    assert main <= 70 * 15 + 1  # max-width 68rem plus padding, at 15 px per rem


def test_a_screenshot_at_laptop_size(page: Page, tmp_path: Path) -> None:
    shot = page.screenshot(tmp_path / "report.png", *LAPTOP, full_page=True)
    width, height = _png_size(shot)
    assert width == LAPTOP[0] and height > 5 * LAPTOP[1]
    first = page.screenshot(tmp_path / "first-screen.png", *LAPTOP, full_page=False)
    assert _png_size(first) == LAPTOP
    wanted = os.environ.get(SCREENSHOT_VARIABLE)
    if wanted:
        shutil.copyfile(shot, wanted)


def test_it_prints_to_pdf(page: Page, tmp_path: Path) -> None:
    printed = page.print_pdf(tmp_path / "report.pdf").read_bytes()
    assert printed.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page(?!s)", printed))
    assert pages >= 3
    # The print style sheet is in force: no navigation bar on paper.
    page.call("Emulation.setEmulatedMedia", media="print")
    try:
        assert page.evaluate("getComputedStyle(document.querySelector('nav')).display") == "none"
        assert page.evaluate("getComputedStyle(document.querySelector('.scroll')).overflowX") == "visible"
    finally:
        page.call("Emulation.setEmulatedMedia", media="")


def test_a_hostile_model_runs_nothing_in_the_browser(tmp_path: Path) -> None:
    _require_chromium()
    from test_report import hostile_model

    model = hostile_model()
    target = tmp_path / "hostile.html"
    dr.report(model, at="2022-06-01", seed=1, path=target)
    with open_page(target.as_uri()) as opened:
        assert opened.evaluate("document.querySelectorAll('script, img, iframe').length") == 0
        dialogs = [method for method, _ in opened.events if method == "Page.javascriptDialogOpening"]
        assert dialogs == []
        assert opened.console_problems() == []
        assert opened.requests() == [target.as_uri()]
        assert "<script>alert(1)</script>" in opened.evaluate("document.body.innerText")
