"""A long, realistic bank index methodology as DOCX and PDF bytes, built from a seed.

Real methodologies are what break extractors: a table of contents with dotted leaders,
a glossary table, numbered sections three levels deep, eligibility and calendar tables,
footnote markers, running headers and footers on every page, index-level and divisor
formulas, and cross-references (one to an appendix that does not exist). Everything here
is generated, so tests can review a 150-page document without checking binaries in, and
the same seed always gives the same bytes' text.
"""

from __future__ import annotations

import datetime
import io
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import docx
from docx.enum.text import WD_BREAK
from docx.shared import Pt
from fpdf import FPDF

INDEX_NAME = "Meridian Global Equity Momentum Index"
SPONSOR = "Meridian Bank plc"
RUNNING_HEADER = f"{INDEX_NAME} – Index Methodology"
RUNNING_FOOTER = "Meridian Bank plc – Public – Version 3.1 – March 2024"
MISSING_APPENDIX = "F"
"""The one appendix the text cites but the document does not contain."""

_UNICODE_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
# fpdf2's core fonts are Latin-1 only; without a Unicode font the maths is spelled out.
_LATIN1 = str.maketrans(
    {"Σ": "SUM", "Δ": "Delta", "–": "-", "’": "'", "“": '"', "”": '"', "≤": "<=", "≥": ">="}
    | {"⁴": "(4)", "⁵": "(5)", "⁶": "(6)", "⁷": "(7)", "⁸": "(8)", "⁹": "(9)", "⁰": "(0)"}
)
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


@dataclass(frozen=True)
class Formula:
    text: str


@dataclass(frozen=True)
class Table:
    caption: str
    rows: Sequence[Sequence[str]]


@dataclass(frozen=True)
class Footnotes:
    notes: Sequence[str]


Block = str | Formula | Table | Footnotes


@dataclass
class Part:
    number: str
    title: str
    blocks: list[Block] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return f"{self.number} {self.title}" if self.number else self.title

    @property
    def level(self) -> int:
        if not self.number or self.number.startswith("Appendix"):
            return 1
        return self.number.count(".") + 1


_OUTLINE: list[tuple[str, list[str]]] = [
    ("Introduction", ["Purpose of this Document", "Index Sponsor and Calculation Agent"]),
    ("Glossary", []),
    ("Index Universe", ["Eligible Securities", "Liquidity Screens", "Exclusions"]),
    ("Index Construction", ["Security Selection", "Weighting", "Buffer Rules"]),
    ("Index Calculation", ["Index Level", "Divisor Adjustments", "Total Return Variant"]),
    ("Rebalancing", ["Rebalancing Schedule", "Reconstitution", "Turnover Control"]),
    ("Corporate Actions", ["Cash Dividends", "Stock Splits", "Rights Issues", "Mergers"]),
    ("Market Disruption Events", ["Definition of Disruption", "Consequences of Disruption"]),
    ("Data Sources", ["Price Hierarchy", "Reference Data"]),
    ("Index Governance", ["Index Committee", "Methodology Changes", "Consultation"]),
    ("Recalculation Policy", ["Errors in Published Levels", "Restatement"]),
    ("Index Termination", ["Cessation Triggers", "Transition Arrangements"]),
    ("Risk Factors", ["Model Risk", "Concentration Risk", "Liquidity Risk", "Data Risk"]),
]
_DEEP = ("Background", "Procedure", "Worked Example", "Exceptions")
_GLOSSARY = [
    ("Business Day", "a day on which the London Stock Exchange and NYSE are open for trading"),
    ("Calculation Agent", f"{SPONSOR}, acting in its capacity as calculator of the Index"),
    ("Closing Price", "the official closing price of a security on its Primary Exchange"),
    ("Divisor", "the number that keeps the Index Level continuous across adjustments"),
    ("Eligible Security", "a security that meets every criterion of Section 3.1"),
    ("Free Float", "the portion of shares outstanding available to public investors"),
    ("Index Committee", "the committee described in Section 10.1"),
    ("Index Level", "the value of the Index published on an Index Calculation Day"),
    ("Momentum Score", "the twelve-month price return excluding the most recent month"),
    ("Primary Exchange", "the exchange with the highest traded value for a security"),
    ("Rebalancing Day", "the third Friday of March, June, September and December"),
    ("Selection Day", "the fifth Business Day before a Rebalancing Day"),
    ("ADTV", "average daily traded value over the preceding 60 Business Days, in USD"),
]
_TOPIC_SENTENCES = [
    "The {noun} is determined by the Calculation Agent on each Selection Day using Closing "
    "Prices as of {time} London time.",
    "Where two securities have the same Momentum Score, the security with the higher ADTV "
    "ranks first.",
    "A security is removed from the Index if its Free Float falls below {pct}% on a Selection Day.",
    "The maximum weight of any single constituent is capped at {cap}% on each Rebalancing "
    "Day, and excess weight is redistributed pro rata to the uncapped constituents.",
    "Securities must have an ADTV of at least USD {adtv} million to be included, as set out "
    "in Table 1.",
    "The rebalancing dates for the coming years are listed in Table 2; see Section {ref} for "
    "the treatment of exchange holidays.",
    "The Index Committee reviews the parameters of the Index at least once a year and "
    "publishes its decisions at least {notice} Business Days before they take effect.",
    "Historical parameter values are shown in Appendix A.",
    "Prices are converted into USD at the WM/Reuters 4 pm London closing spot rate.",
    "If a Closing Price is not available, the last traded price is used, subject to the "
    "price hierarchy in Section 9.1.",
    "The Index is calculated on every Business Day and published by {time} London time.",
    "A buffer of {buffer} ranks applies: an existing constituent stays in the Index while "
    "it ranks within the top {keep} securities.",
    "The number of constituents is fixed at {count} on each Rebalancing Day.",
    "Turnover at each rebalancing is limited to {turnover}% of the Index weight, measured one way.",
    "Any change to the methodology is subject to a consultation period of {notice} Business "
    "Days, as described in Section 10.3.",
    "The weights of the constituents drift with their prices between Rebalancing Days.",
    "Cash dividends are reinvested across the Index on the ex-date in the total return "
    "variant, net of withholding tax at the rates in Table 3.",
    "For a stock split the number of shares is adjusted by the split ratio and the Divisor "
    "is unchanged.",
    "An error in a published Index Level of more than {bps} basis points is corrected and "
    "the corrected level is republished.",
    "Securities listed in sanctioned jurisdictions are excluded from the Index Universe.",
    "A Market Disruption Event on more than {disrupt} consecutive Business Days leads the "
    "Index Committee to determine the Closing Price in good faith.",
    "The volatility of each security is measured over {window} Business Days of daily returns.",
    "The Index Sponsor may terminate the Index with {notice} Business Days' notice, as set "
    "out in Section 12.1.",
    "Further detail on the treatment of special dividends is provided in Appendix "
    + MISSING_APPENDIX
    + ".",
]
_NOUNS = ("Momentum Score", "Index Universe", "ADTV", "Free Float", "Closing Price")


def _sentence(rng: random.Random) -> str:
    return rng.choice(_TOPIC_SENTENCES).format(
        noun=rng.choice(_NOUNS),
        time=rng.choice(("16:30", "17:15", "18:00")),
        pct=rng.choice((10, 15, 20)),
        cap=rng.choice((4, 5, 8, 10)),
        adtv=rng.choice((5, 10, 20)),
        ref=rng.choice(("6.1", "4.2", "3.2", "8.1")),
        notice=rng.choice((20, 30, 60)),
        buffer=rng.choice((10, 20)),
        keep=rng.choice((110, 120)),
        count=100,
        turnover=rng.choice((20, 25, 30)),
        bps=rng.choice((5, 10)),
        disrupt=rng.choice((5, 8)),
        window=rng.choice((60, 126, 252)),
    )


def _paragraph(rng: random.Random, footnote: int | None) -> str:
    sentences = [_sentence(rng) for _ in range(rng.randint(4, 7))]
    if footnote is not None:
        sentences[0] = sentences[0][:-1] + str(footnote).translate(_SUPERSCRIPTS) + "."
    return " ".join(sentences)


_INDEX_FORMULAS = [
    "I_t = I_{t-1} × Σ_i ( w_{i,t-1} × P_{i,t} / P_{i,t-1} )",
    "where:",
    "I_t is the Index Level on Index Calculation Day t;",
    "w_{i,t-1} is the weight of constituent i at the close of day t-1;",
    "P_{i,t} is the Closing Price of constituent i on day t, in USD.",
]
_DIVISOR_FORMULAS = [
    "D_{t+1} = D_t × ( MC_t + ΔMC_{t+1} ) / MC_t",
    "where D_t is the Divisor on day t, MC_t is the market capitalisation of the Index at "
    "the close of day t and ΔMC_{t+1} is the change in market capitalisation caused by "
    "corporate actions effective on day t+1.",
]
_WEIGHT_FORMULAS = [
    "w_{i,t} = min( c , S_{i,t} / Σ_j S_{j,t} )",
    "where c is the weight cap of Section 4.2 and S_{i,t} is the Momentum Score of "
    "security i on the Selection Day.",
]
_TOTAL_RETURN = [
    "TR_t = TR_{t-1} × ( I_t + d_t / D_t ) / I_{t-1}",
    "where d_t is the sum of the net dividends going ex on day t, in index points.",
]


def _tables() -> dict[str, Table]:
    eligibility = Table(
        "Table 1: Eligibility thresholds",
        [
            ["Criterion", "Developed markets", "Emerging markets"],
            ["Minimum ADTV (USD million)", "10", "5"],
            ["Minimum free float", "15%", "20%"],
            ["Minimum listing history", "6 months", "12 months"],
            ["Maximum constituent weight", "5%", "3%"],
        ],
    )
    calendar = [["Year", "Q1", "Q2", "Q3", "Q4"]]
    for year in range(2024, 2031):
        calendar.append([str(year), *(f"{_third_friday(year, m)}" for m in (3, 6, 9, 12))])
    withholding = Table(
        "Table 3: Withholding tax rates",
        [["Country", "Rate"], ["United States", "15%"], ["Japan", "15.315%"], ["UK", "0%"]],
    )
    return {
        "3.2": eligibility,
        "6.1": Table("Table 2: Rebalancing calendar", calendar),
        "7.1": withholding,
    }


def _third_friday(year: int, month: int) -> str:
    first = datetime.date(year, month, 1)
    offset = (4 - first.weekday()) % 7
    return (first + datetime.timedelta(days=offset + 14)).isoformat()


def methodology(seed: int = 7, paragraphs: int = 14) -> list[Part]:
    """The document as parts in reading order; `paragraphs` per subsection sets the length
    (14 gives over 150 pages in either format)."""
    rng = random.Random(seed)
    tables = _tables()
    parts: list[Part] = []
    footnote = 0
    for major, (title, subsections) in enumerate(_OUTLINE, start=1):
        parts.append(Part(str(major), title, [_paragraph(rng, None)]))
        if title == "Glossary":
            rows = [["Term", "Definition"], *([term, meaning] for term, meaning in _GLOSSARY)]
            parts[-1].blocks.append(Table("Defined terms", rows))
            continue
        for minor, subtitle in enumerate(subsections, start=1):
            number = f"{major}.{minor}"
            part = Part(number, subtitle)
            notes: list[str] = []
            for index in range(paragraphs):
                marked = index % 4 == 1
                if marked:
                    footnote += 1
                    notes.append(
                        f"{footnote} Source: {SPONSOR}, Index Operations Manual, edition "
                        f"{2015 + footnote % 9}."
                    )
                part.blocks.append(_paragraph(rng, footnote if marked else None))
            if number in tables:
                part.blocks.append(tables[number])
            formulas = {
                "5.1": _INDEX_FORMULAS,
                "5.2": _DIVISOR_FORMULAS,
                "4.2": _WEIGHT_FORMULAS,
                "5.3": _TOTAL_RETURN,
            }.get(number, [])
            part.blocks.extend(Formula(line) for line in formulas)
            part.blocks.append(Footnotes(notes))
            parts.append(part)
            for deep, deep_title in enumerate(_DEEP[: 2 + major % 3], start=1):
                body: list[Block] = [_paragraph(rng, None) for _ in range(max(1, paragraphs // 3))]
                parts.append(Part(f"{number}.{deep}", deep_title, body))
    appendix = [["Effective date", "Constituents", "Weight cap", "Buffer"]]
    for year in range(2012, 2024):
        appendix.append([f"{year}-03-15", "100", f"{4 + year % 3}%", f"{10 + year % 2 * 10}"])
    parts.append(
        Part(
            "Appendix A:",
            "Historical Index Parameters",
            ["The parameters in force since the Index launch.", Table("Table 4", appendix)],
        )
    )
    parts.append(
        Part(
            "Appendix B:",
            "Holiday Calendars",
            [_paragraph(rng, None) for _ in range(paragraphs)],
        )
    )
    return parts


def _contents(parts: list[Part], pages: dict[str, int]) -> Iterator[tuple[str, str]]:
    for part in parts:
        if part.level <= 2:
            yield part.heading, str(pages.get(part.heading, 1))


def _leader(label: str, page: str, width: int = 78) -> str:
    """ "3.2 Rebalancing ........ 14": the dotted leader a contents page has (the PDF measures
    its leaders to fit the line instead)."""
    dots = max(4, width - len(label) - len(page) - 2)
    return f"{label} {'.' * dots} {page}"


def build_methodology_pdf(seed: int = 7, paragraphs: int = 14) -> bytes:
    """Typeset twice: the first pass finds the page of every heading for the contents."""
    parts = methodology(seed, paragraphs)
    pages: dict[str, int] = {}
    _typeset(parts, pages)
    return bytes(_typeset(parts, pages).output())


def _typeset(parts: list[Part], pages: dict[str, int]) -> FPDF:
    """Lay the document out, recording the page of each heading in `pages`."""
    unicode = _UNICODE_FONT.exists()

    def text(value: str) -> str:
        return value if unicode else value.translate(_LATIN1)

    class _Pdf(FPDF):
        def header(self) -> None:
            self.set_font(family, size=8)
            self.cell(0, 6, text(RUNNING_HEADER), new_x="LMARGIN", new_y="NEXT")
            self.ln(2)

        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(family, size=8)
            self.cell(0, 6, text(f"{RUNNING_FOOTER} – Page {self.page_no()} of {{nb}}"))

    pdf = _Pdf(format="A4")
    if unicode:
        pdf.add_font("body", "", str(_UNICODE_FONT))
        pdf.add_font("body", "B", str(_UNICODE_FONT.with_name("DejaVuSans-Bold.ttf")))
        family = "body"
    else:
        family = "Helvetica"
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_title(f"{INDEX_NAME} Methodology")
    pdf.add_page()
    pdf.set_font(family, "B", 20)
    pdf.ln(40)
    pdf.multi_cell(0, 11, text(INDEX_NAME), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=12)
    for line in ("Index Methodology", "Version 3.1", "March 2024", f"Index Sponsor: {SPONSOR}"):
        pdf.multi_cell(0, 8, text(line), new_x="LMARGIN", new_y="NEXT")
    pdf.add_page()
    pdf.set_font(family, "B", 14)
    pdf.multi_cell(0, 8, "Contents", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=10)
    dot = pdf.get_string_width(".")
    for label, page in _contents(parts, pages):
        room = pdf.epw - pdf.get_string_width(text(f"{label}  {page}")) - 2
        line = f"{label} {'.' * int(room / dot)} {page}"
        pdf.multi_cell(0, 5, text(line), new_x="LMARGIN", new_y="NEXT")
    for part in parts:
        if part.level == 1:
            pdf.add_page()
        pages[part.heading] = pdf.page_no()
        pdf.set_font(family, "B", {1: 14, 2: 12}.get(part.level, 11))
        pdf.multi_cell(0, 7, text(part.heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, size=11)
        for block in part.blocks:
            _pdf_block(pdf, block, text, family)
    return pdf


def _pdf_block(pdf: FPDF, block: Block, text: Callable[[str], str], family: str) -> None:
    if isinstance(block, str):
        pdf.multi_cell(0, 6, text(block), new_x="LMARGIN", new_y="NEXT")
    elif isinstance(block, Formula):
        pdf.multi_cell(0, 6, text(block.text), new_x="LMARGIN", new_y="NEXT", align="C")
    elif isinstance(block, Table):
        pdf.multi_cell(0, 6, text(block.caption), new_x="LMARGIN", new_y="NEXT")
        for row in block.rows:
            pdf.multi_cell(0, 5, text("    ".join(row)), new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.set_font(family, size=8)
        for note in block.notes:
            pdf.multi_cell(0, 4, text(note), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(family, size=11)
    pdf.ln(2)


def build_methodology_docx(seed: int = 7, paragraphs: int = 14) -> bytes:
    """Word has no page layout to ask, so the contents show pages at ~500 words a page."""
    parts = methodology(seed, paragraphs)
    pages = _estimated_pages(parts)
    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = RUNNING_HEADER
    section.footer.paragraphs[0].text = RUNNING_FOOTER
    document.add_heading(INDEX_NAME, level=0)
    for line in ("Index Methodology", "Version 3.1", "March 2024", f"Index Sponsor: {SPONSOR}"):
        document.add_paragraph(line)
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    contents = document.add_paragraph()
    contents.add_run("Contents").bold = True
    for label, page in _contents(parts, pages):
        document.add_paragraph(_leader(label, page))
    for part in parts:
        if part.level == 1:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        document.add_heading(part.heading, level=min(part.level, 3))
        for block in part.blocks:
            _docx_block(document, block)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _estimated_pages(parts: list[Part]) -> dict[str, int]:
    pages, words = {}, 1_000
    for part in parts:
        pages[part.heading] = 1 + words // 500
        words += sum(len(str(block).split()) for block in part.blocks)
    return pages


def _docx_block(document: docx.document.Document, block: Block) -> None:
    if isinstance(block, str):
        document.add_paragraph(block)
    elif isinstance(block, Formula):
        document.add_paragraph(block.text)
    elif isinstance(block, Table):
        document.add_paragraph(block.caption, style="Caption")
        table = document.add_table(rows=len(block.rows), cols=len(block.rows[0]))
        for cells, row in zip(table.rows, block.rows, strict=True):
            for cell, value in zip(cells.cells, row, strict=True):
                cell.text = value
    else:
        for note in block.notes:
            number, _, rest = note.partition(" ")
            paragraph = document.add_paragraph()
            marker = paragraph.add_run(number)
            marker.font.superscript = True
            paragraph.add_run(f" {rest}").font.size = Pt(8)
