"""The report as one self-contained HTML page: figures embedded, tables sortable, no network.

:func:`to_html` writes the blocks of :mod:`forecast.evaluation.report_blocks` (the very blocks
``report.md`` is written from) as one HTML file a person can open from the run directory or
attach to an email: every figure is embedded as a base64 ``data:`` URI, the style sheet and
the small script that sorts a table by the column whose header is clicked are inline, and
nothing is fetched from the network.

Sorting: numbers sort as numbers (``1,069`` after ``200``; ``12.5%`` as 12.5), the dash of a
missing value last, other text alphabetically; a second click reverses the order. The script
marks each table it made sortable with ``data-sortable="ready"``.

Example:
    >>> import pandas as pd
    >>> from forecast.evaluation.report_blocks import Heading, Paragraph, Table
    >>> page = to_html([Heading(1, "Run <a>"), Paragraph("Best: **LSTM**, a \\\\| b."),
    ...                 Table(pd.DataFrame({"model": ["LSTM"], "MAE": ["1.5"]}),
    ...                       ("left", "right"))], title="Run <a>")
    >>> "<h1>Run &lt;a&gt;</h1>" in page, "<p>Best: <strong>LSTM</strong>, a | b.</p>" in page
    (True, True)
    >>> '<td class="right">1.5</td>' in page, "http" in page.replace("http-equiv", "")
    (True, False)
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from pathlib import Path

from forecast.evaluation.report_blocks import Block, Bullets, Heading, Image, Paragraph, Table

#: The file name of the HTML report, next to ``report.md``.
HTML_FILE = "report.html"

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2em auto;
       max-width: 1200px; padding: 0 1.5em; color: #222; line-height: 1.45; }
h1 { border-bottom: 2px solid #ddd; padding-bottom: .3em; }
h2 { border-bottom: 1px solid #eee; padding-bottom: .2em; margin-top: 1.8em; }
table { border-collapse: collapse; margin: .8em 0; font-size: .92em; }
th, td { border: 1px solid #ddd; padding: .3em .6em; }
th { background: #f4f4f4; cursor: pointer; user-select: none; white-space: nowrap; }
th[aria-sort="ascending"]::after { content: " \\25B2"; }
th[aria-sort="descending"]::after { content: " \\25BC"; }
tbody tr:nth-child(even) { background: #fafafa; }
.right { text-align: right; font-variant-numeric: tabular-nums; }
.left { text-align: left; }
figure { margin: 1em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
"""

# Sorts a table by the clicked column: numbers as numbers, the dash of a missing value last.
_SCRIPT = """
(function () {
  function key(cell) {
    var text = cell.textContent.trim();
    if (text === "" || text === "\\u2013") return {missing: true};
    var number = text.replace(/,/g, "").replace(/%$/, "");
    if (/^[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?$/.test(number)) {
      return {number: parseFloat(number)};
    }
    return {text: text.toLowerCase()};
  }
  function compare(a, b) {
    if (a.missing || b.missing) return (a.missing ? 1 : 0) - (b.missing ? 1 : 0);
    if (a.number !== undefined && b.number !== undefined) return a.number - b.number;
    if (a.number !== undefined) return -1;
    if (b.number !== undefined) return 1;
    return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
  }
  function sort(table, column, header) {
    var body = table.tBodies[0];
    var descending = header.getAttribute("aria-sort") === "ascending";
    var rows = Array.prototype.slice.call(body.rows).map(function (row, index) {
      return {row: row, index: index, key: key(row.cells[column])};
    });
    rows.sort(function (a, b) {
      var order = compare(a.key, b.key);
      if (descending && !a.key.missing && !b.key.missing) order = -order;
      return order || a.index - b.index;
    });
    rows.forEach(function (item) { body.appendChild(item.row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) {
      cell.removeAttribute("aria-sort");
    });
    header.setAttribute("aria-sort", descending ? "descending" : "ascending");
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, column) {
      header.title = "sort by " + header.textContent;
      header.addEventListener("click", function () { sort(table, column, header); });
    });
    table.setAttribute("data-sortable", "ready");
  });
})();
"""


def to_html(blocks: Sequence[Block], title: str, folder: str | Path | None = None) -> str:
    """The blocks as one HTML page.

    Args:
        blocks: the report's blocks.
        title: the page's title.
        folder: the report's directory, where the images' relative paths point (their PNG
            files are read and embedded).

    Returns:
        The page.

    Raises:
        FileNotFoundError: an image's file is missing.
    """
    base = Path(folder) if folder is not None else Path()
    body = "\n".join(_html(block, base) for block in blocks)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n"
        f"<body>\n{body}\n<script>{_SCRIPT}</script>\n</body>\n</html>\n"
    )


def inline(text: str) -> str:
    """Inline Markdown as HTML: ``**bold**`` and ``\\|``, the rest escaped.

    Example:
        >>> inline("**a<b>** \\\\| _c_")
        '<strong>a&lt;b&gt;</strong> | <em>c</em>'
    """
    escaped = html.escape(text.replace("\\|", "|"), quote=False)
    escaped = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escaped)
    return re.sub(r"(?<![\w])_(.+?)_(?![\w])", r"<em>\1</em>", escaped)


def _html(block: Block, base: Path) -> str:
    if isinstance(block, Heading):
        return f"<h{block.level}>{inline(block.text)}</h{block.level}>"
    if isinstance(block, Paragraph):
        return f"<p>{inline(block.text)}</p>"
    if isinstance(block, Bullets):
        items = "".join(f"<li>{inline(item)}</li>" for item in block.items)
        return f"<ul>{items}</ul>"
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Image):
        data = base64.b64encode((base / block.path).read_bytes()).decode("ascii")
        alt = html.escape(block.alt)
        return f'<figure><img alt="{alt}" src="data:image/png;base64,{data}"></figure>'
    raise TypeError(f"not a report block: {type(block).__name__}")


def _table(table: Table) -> str:
    header = "".join(
        f'<th class="{align}">{html.escape(str(name))}</th>'
        for name, align in zip(table.frame.columns, table.align)
    )
    rows = "\n".join(
        "<tr>"
        + "".join(
            f'<td class="{align}">{html.escape(str(cell))}</td>'
            for cell, align in zip(row, table.align)
        )
        + "</tr>"
        for row in table.frame.itertuples(index=False)
    )
    return (
        f'<table class="sortable">\n<thead><tr>{header}</tr></thead>\n'
        f"<tbody>\n{rows}\n</tbody>\n</table>"
    )


__all__ = ["HTML_FILE", "inline", "to_html"]
