"""The HTML report: self-contained, rendered by a real browser (headless Chromium), sortable."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_plots import PNG_MAGIC, synthetic_forecasts, synthetic_history
from test_report import HISTORIES, SETTINGS, SUMMARY, leaderboard_of

from forecast.evaluation.report import HTML_FILE, write_report

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL = (
    "headless Chromium is not installed: install Debian's package (`sudo apt-get install "
    "chromium`; `make test` does it when run as root) to run the HTML report's browser test"
)


def browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(INSTALL)


def rendered(page: Path, profile: Path) -> str:
    """The DOM of ``page`` after Chromium loaded it and ran its scripts."""
    done = subprocess.run(
        [
            browser(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={profile}",
            "--dump-dom",
            page.absolute().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0 and "<body" in done.stdout, done.stderr[-2000:]
    return done.stdout


class Elements(HTMLParser):
    """The tables (their header and rows of cell text) and images of a page."""

    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self.images: list[dict] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.tables.append({"attrs": attrs, "header": [], "rows": []})
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "img":
            self.images.append(attrs)

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
            if tag == "th":
                self.tables[-1]["header"] = self._row
        elif tag == "tr" and self._row is not None:
            if self._row is not self.tables[-1]["header"]:
                self.tables[-1]["rows"].append(self._row)
            self._row = None


def elements(dom: str) -> Elements:
    parser = Elements()
    parser.feed(dom)
    return parser


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory) -> Path:
    tidy = synthetic_forecasts()
    folder = tmp_path_factory.mktemp("html") / "report"
    write_report(
        folder,
        leaderboard=leaderboard_of(tidy),
        forecasts=tidy,
        history=synthetic_history(),
        data_summary=SUMMARY,
        settings=SETTINGS,
        histories=HISTORIES,
        unit="kW",
        exported={"good": {"error": "ValueError: no rows"}},
    )
    return folder


def test_the_html_report_is_self_contained(report_dir):
    page = (report_dir / HTML_FILE).read_text()
    markdown = (report_dir / "report.md").read_text()
    # every figure of report.md is embedded, not linked; nothing comes from the network
    figures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", markdown)
    found = elements(page)
    assert len(found.images) == len(figures) == 4
    for image, figure in zip(found.images, figures):
        prefix = "data:image/png;base64,"
        assert image["src"].startswith(prefix)
        assert base64.b64decode(image["src"][len(prefix) :]) == (report_dir / figure).read_bytes()
    assert not re.search(r"(src|href)=\"(?!data:)", page) and "http://" not in page
    assert "https://" not in page
    # the same tables as the Markdown: data, leaderboard, worst origins, exported, two settings
    assert len(found.tables) == len(re.findall(r"^\|:", markdown, re.MULTILINE)) == 6


def test_chromium_renders_the_tables_and_images(report_dir, tmp_path):
    dom = rendered(report_dir / HTML_FILE, tmp_path / "profile")
    found = elements(dom)
    assert len(found.tables) == 6
    assert all(t["attrs"].get("data-sortable") == "ready" for t in found.tables)  # script ran
    board = found.tables[1]
    assert board["header"][:3] == ["model", "MAE", "RMSE"]
    assert [row[0] for row in board["rows"]] == ["good", "bad"]  # ranked by MAE
    assert [row[found.tables[1]["header"].index("baseline")] for row in board["rows"]] == [
        "no",
        "yes",
    ]
    assert len(found.images) == 4
    assert all(i["src"].startswith("data:image/png;base64,") for i in found.images)
    assert {i["alt"] for i in found.images} >= {"Forecasts against actuals", "Training curves"}
    assert base64.b64decode(found.images[0]["src"].split(",", 1)[1])[:8] == PNG_MAGIC


def test_a_click_on_a_header_sorts_the_table(report_dir, tmp_path):
    """Clicking MAE once sorts ascending, twice descending: numbers as numbers."""
    page = (report_dir / HTML_FILE).read_text()
    clicks = """<script>
    var tables = document.querySelectorAll("table.sortable");
    var mae = tables[1].tHead.rows[0].cells[1];
    mae.click(); mae.click();
    var value = tables[0].tHead.rows[0].cells[1];  // the data summary's values: mixed text
    value.click();
    </script>"""
    clicked = tmp_path / "clicked.html"
    clicked.write_text(page.replace("</body>", clicks + "</body>"))
    found = elements(rendered(clicked, tmp_path / "profile"))
    board = found.tables[1]
    assert [row[0] for row in board["rows"]] == ["bad", "good"]  # descending MAE
    maes = [float(row[1].replace(",", "")) for row in board["rows"]]
    assert maes == sorted(maes, reverse=True)
    summary = found.tables[0]["rows"]
    values = [row[1] for row in summary]
    numbers = [float(v.replace(",", "")) for v in values if re.fullmatch(r"[\d,.]+", v)]
    assert numbers == sorted(numbers)  # numbers first, in numeric order (3 < 12 < 72) ...
    assert values[: len(numbers)] == [v for v in values if re.fullmatch(r"[\d,.]+", v)]
