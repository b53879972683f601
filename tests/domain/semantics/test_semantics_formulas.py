from domain.ir import Section
from domain.semantics.formulas import extract_formulas


def _extract(text: str, **kwargs):
    return extract_formulas([Section(id="s2", title="Signal", text=text, **kwargs)])


def _formulas(text: str) -> list[tuple[str, str | None, list[str]]]:
    formulas, _ = _extract(text)
    return [(f.text, f.lhs, f.variables) for f in formulas]


def test_weighted_score_with_function_calls() -> None:
    assert _formulas("Score_i = 0.4 * Z(Carry_i) + 0.6 * Z(Trend_i)") == [
        ("Score_i = 0.4 * Z(Carry_i) + 0.6 * Z(Trend_i)", "Score_i", ["Carry_i", "Trend_i"])
    ]


def test_functions_and_numbers_are_not_variables() -> None:
    ((_, lhs, variables),) = _formulas("w_i = min(cap, s_i / sum(s)) + max(0, log(b) - abs(c))")
    assert lhs == "w_i"
    assert variables == ["cap", "s_i", "s", "b", "c"]


def test_unicode_and_latex_symbols() -> None:
    assert _formulas("σ_p = √(w' Σ w) × 2") == [("σ_p = √(w' Σ w) × 2", "σ_p", ["w", "Σ"])]
    ((_, lhs, variables),) = _formulas(r"SR = \frac{\mu_p - r_f}{\sigma_p}")
    assert (lhs, variables) == ("SR", ["μ_p", "r_f", "σ_p"])


def test_lagged_subscripts_are_kept_and_inline_where_defines_symbols() -> None:
    formulas, definitions = _extract(
        "Daily return: R_t = P_t / P_{t-1} - 1, where P_t is the close price on day t "
        "and D_t is the dividend paid.",
        page_start=7,
    )
    (formula,) = formulas
    assert (formula.text, formula.lhs) == ("R_t = P_t / P_{t-1} - 1", "R_t")
    assert formula.variables == ["P_t", "P_{t-1}"]
    assert formula.page == 7
    assert [(d.term, d.meaning, d.source) for d in definitions] == [
        ("P_t", "the close price on day t", "means"),
        ("D_t", "the dividend paid", "means"),
    ]


def test_multi_word_names_and_where_list() -> None:
    text = (
        "Carry Score = (Forward Rate - Spot Rate) / Spot Rate\n"
        "\n"
        "Where:\n"
        "- Forward Rate = the 3-month outright forward\n"
        "- Spot Rate: the WM/Reuters 4pm fix\n"
        "- N is the number of currencies\n"
        "\n"
        "Positions are reviewed weekly."
    )
    formulas, definitions = _extract(text)
    assert [(f.lhs, f.variables) for f in formulas] == [
        ("Carry Score", ["Forward Rate", "Spot Rate"])
    ]
    assert [d.term for d in definitions] == ["Forward Rate", "Spot Rate", "N"]


def test_where_sentence_on_the_next_line() -> None:
    _, definitions = _extract("Signal = Trend / Volatility\nWhere Trend is the 50-day slope.")
    assert [(d.term, d.meaning) for d in definitions] == [("Trend", "the 50-day slope")]


def test_page_of_a_formula_after_a_page_break() -> None:
    text = "Intro text.\nMore text here.\nV_t = σ_t * sqrt(252)"
    formulas, _ = _extract(text, page_offsets=[(0, 3), (12, 4)])
    assert formulas[0].page == 4


def test_prose_with_equals_dates_ratios_and_versions_are_not_formulas() -> None:
    text = (
        "The benchmark weight is set = to the parent index weight.\n"
        "threshold = 1.5\n"
        "Hedge ratio 1:2 applies from 2024-01-02 under methodology v2.1.\n"
        "Example: Level(base) = $4,475.00 / 4.475 = 1000.00\n"
        "Base weight = Market cap weight\n"
        "ESG tilt = Applied based on relative ESG score\n"
        "Base Value = Market value at base date (January 2, 2020)"
    )
    assert _formulas(text) == []


def test_recursive_index_formula_keeps_indexed_names() -> None:
    assert _formulas("Level(t) = Level(t-1) * (1 + R(t))") == [
        ("Level(t) = Level(t-1) * (1 + R(t))", "Level(t)", ["Level(t-1)", "R(t)"])
    ]


def test_prose_operands_contribute_only_notation() -> None:
    ((text, lhs, variables),) = _formulas(
        "The score is S_i = 0.5 * Z_i + 0.5 * V_i for each stock."
    )
    assert (text, lhs, variables) == (
        "S_i = 0.5 * Z_i + 0.5 * V_i for each stock",
        "S_i",
        ["Z_i", "V_i"],
    )
