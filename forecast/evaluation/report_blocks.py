"""The pieces a report is made of, and their Markdown.

A report (:mod:`forecast.evaluation.report`) is a list of blocks: headings, paragraphs,
bullet lists, tables and images. :func:`to_markdown` writes them as Markdown;
:func:`forecast.evaluation.report_html.to_html` writes the same blocks as one self-contained
HTML page, so the two reports always say the same thing.

Text of headings, paragraphs and bullets is inline Markdown: ``**bold**`` and ``\\|`` (an
escaped pipe) are all it uses. Table cells are plain text, escaped when written.

Example:
    >>> import pandas as pd
    >>> blocks = [Heading(1, "Run"), Paragraph("Best model: **LSTM**."),
    ...           Table(pd.DataFrame({"model": ["a|b"], "MAE": ["1.5"]}), ("left", "right"))]
    >>> print(to_markdown(blocks))
    # Run
    <BLANKLINE>
    Best model: **LSTM**.
    <BLANKLINE>
    | model   |   MAE |
    |:--------|------:|
    | a\\|b    |   1.5 |
    <BLANKLINE>
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from forecast.evaluation.markdown_cells import escape


@dataclass(frozen=True)
class Heading:
    """A heading of ``level`` 1 (the title) to 3."""

    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of inline Markdown."""

    text: str


@dataclass(frozen=True)
class Bullets:
    """A bullet list, one item of inline Markdown each."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A table of text cells; ``align`` holds ``"left"`` or ``"right"`` per column (numbers
    right). The HTML report lets a reader sort it by any column."""

    frame: pd.DataFrame
    align: tuple[str, ...]

    def __post_init__(self):
        if len(self.align) != self.frame.shape[1]:
            raise ValueError(
                f"a table of {self.frame.shape[1]} columns needs as many alignments, "
                f"got {len(self.align)}"
            )


@dataclass(frozen=True)
class Image:
    """A figure: ``path`` relative to the report's directory, ``alt`` its text."""

    path: str
    alt: str


Block = Heading | Paragraph | Bullets | Table | Image


def to_markdown(blocks: Sequence[Block]) -> str:
    """The blocks as Markdown, separated by blank lines, ending in one newline."""
    return "\n\n".join(_markdown(block) for block in blocks).rstrip() + "\n"


def table_markdown(table: Table) -> str:
    """One table as a Markdown pipe table (cells escaped)."""
    cells = table.frame.map(escape)
    cells.columns = [escape(c) for c in table.frame.columns]
    return cells.to_markdown(index=False, disable_numparse=True, colalign=table.align)


def _markdown(block: Block) -> str:
    if isinstance(block, Heading):
        return f"{'#' * block.level} {block.text}"
    if isinstance(block, Paragraph):
        return block.text
    if isinstance(block, Bullets):
        return "\n".join(f"- {item}" for item in block.items)
    if isinstance(block, Table):
        return table_markdown(block)
    if isinstance(block, Image):
        return f"![{block.alt}]({block.path})"
    raise TypeError(f"not a report block: {type(block).__name__}")


__all__ = ["Block", "Bullets", "Heading", "Image", "Paragraph", "Table", "to_markdown"]
