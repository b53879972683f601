import pytest

from domain.ir import Section, Table
from domain.semantics.parameters import extract_parameters


def _params(text: str) -> list[tuple[str, float | None, str | None, str]]:
    section = Section(id="s3", title="Risk", text=text, page_start=2)
    found = extract_parameters([section], [])
    for parameter in found:
        assert parameter.text in text
    return [(p.name, p.value, p.unit, p.text) for p in found]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "The model uses a lookback period of 120 trading days.",
            ("lookback period", 120.0, "trading days", "lookback period of 120 trading days"),
        ),
        (
            "The maximum position size is capped at 4% of portfolio value.",
            (
                "maximum position size",
                4.0,
                "%",
                "maximum position size is capped at 4% of portfolio value",
            ),
        ),
        ("Each trade carries a stop-loss of 7.5%.", ("stop-loss", 7.5, "%", "stop-loss of 7.5%")),
        ("The book runs at 3x leverage.", ("leverage", 3.0, "x", "3x leverage")),
        (
            "We assume commissions of 2.5 bps per side.",
            ("commissions", 2.5, "bps", "commissions of 2.5 bps"),
        ),
        (
            "Names need a minimum ADV of $20 million.",
            ("minimum adv", 20_000_000.0, "$", "minimum ADV of $20 million"),
        ),
        (
            "We run a volatility target of 12% annualised.",
            ("volatility target", 12.0, "%", "volatility target of 12% annualised"),
        ),
        ("entry threshold = 1.75", ("entry threshold", 1.75, None, "entry threshold = 1.75")),
        (
            "Capacity is limited to €250 million.",
            ("capacity", 250_000_000.0, "€", "Capacity is limited to €250 million"),
        ),
        (
            "A 90-day holding period applies.",
            ("holding period", 90.0, "days", "90-day holding period"),
        ),
        (
            "Gross notional must not exceed GBP 1,500,000.",
            ("gross notional", 1_500_000.0, "GBP", "Gross notional must not exceed GBP 1,500,000"),
        ),
        (
            "The trailing window is 18 months.",
            ("trailing window", 18.0, "months", "trailing window is 18 months"),
        ),
    ],
)
def test_named_values(text: str, expected: tuple) -> None:
    assert _params(text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "The portfolio is rebalanced quarterly.",
        "Methodology v2.1 replaced version 2.0 on 2024-03-15.",
        "Base Date: March 28, 2019",
        "Orders are sent at 15:45 London time; the hedge ratio is 1:2.",
        "See Section 4 of 2020 for details.",
        "Score_i = 0.5 * Z(Momentum) + 0.5 * Z(Value)",
        "Weight per stock = 100% / N",
        "Contact: +44 20 7946 0000",
        "The universe of 500 stocks is fixed.",
        "The third Friday of each month is used.",
    ],
)
def test_non_parameters(text: str) -> None:
    assert _params(text) == []


def test_page_from_page_offsets() -> None:
    text = "First page text.\nSecond page: the stop-loss of 6% applies."
    section = Section(id="s3", title="Exits", text=text, page_offsets=[(0, 8), (17, 9)])
    (found,) = extract_parameters([section], [])
    assert (found.name, found.page, found.section_id) == ("stop-loss", 9, "s3")


def test_parameter_table_rows() -> None:
    table = Table(
        id="t2",
        section_id="s5",
        page=11,
        rows=[
            ["Parameter", "Value", "Notes"],
            ["Lookback window", "252 trading days", "one year"],
            ["Single-name cap", "10%", ""],
            ["Data vendor", "Refinitiv", ""],
        ],
    )
    found = [(p.name, p.value, p.unit, p.text, p.page) for p in extract_parameters([], [table])]
    assert found == [
        ("lookback window", 252.0, "trading days", "252 trading days", 11),
        ("single-name cap", 10.0, "%", "10%", 11),
    ]


@pytest.mark.parametrize(
    ("text", "quote"),
    [
        ("The fund runs 2.5x Leverage on gross exposure every day.", "2.5x Leverage"),
        ("Signals use a 20-day Lookback. Then weights are set.", "20-day Lookback"),
        ("Each order carries USD 5 million Notional, split in two.", "USD 5 million Notional"),
    ],
)
def test_unit_first_quote_ends_after_the_noun_as_written(text: str, quote: str) -> None:
    """Regression: the end was found by splitting the text on the lower-cased name, so a
    capitalised noun made the quote run on into the next words."""
    assert [p[3] for p in _params(text)] == [quote]
