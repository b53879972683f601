"""How formula symbols are compared, so "P_{t-1}" counts as defined by "P_t"."""

from __future__ import annotations

import re

GREEK = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "lambda": "λ",
    "mu": "μ",
    "rho": "ρ",
    "sigma": "σ",
    "tau": "τ",
    "theta": "θ",
    "phi": "φ",
    "omega": "ω",
    "kappa": "κ",
    "eta": "η",
    "pi": "π",
    "Sigma": "Σ",
    "Delta": "Δ",
    "Omega": "Ω",
}

FUNCTIONS = frozenset(
    {"min", "max", "sqrt", "log", "ln", "exp", "abs", "sum", "mean", "avg", "average"}
    | {"std", "stdev", "stddev", "var", "cov", "corr", "median", "rank", "zscore", "z"}
    | {"floor", "ceil", "round", "sign", "clip", "percentile", "count", "prod", "product"}
    | {"ewma", "ema", "sma", "ma", "argmax", "argmin", "cumsum", "if", "vol", "e"}
    | {"frac", "dfrac", "cdot", "times", "left", "right", "text", "mathrm", "operatorname"}
    | {"sum of", "average of", "mean of", "max of", "min of", "bar", "hat", "le", "ge"}
    | {"leq", "geq", "approx", "in", "forall", "limits"}
)
# Letters that index a series rather than name a quantity: t, i, t-1, i,t.
_INDEX = r"(?:[ijktn](?:[+-]\d+)?|\d+)(?:,(?:[ijktn](?:[+-]\d+)?|\d+))*"
_INDEX_SUFFIX = re.compile(r"(?:_\{" + _INDEX + r"\}|_" + _INDEX + r"|\(" + _INDEX + r"\))$")
_LATEX_GREEK = re.compile(r"\\(" + "|".join(GREEK) + r")(?![A-Za-z])")
_INDEX_LETTERS = frozenset({"t", "i", "j", "k"})
_CONSTANTS = frozenset({"π", "e"}) | _INDEX_LETTERS


def to_unicode(symbol: str) -> str:
    """`\\sigma_p` and `σ_p` are the same symbol; readers see the Unicode form."""
    return _LATEX_GREEK.sub(lambda m: GREEK[m.group(1)], symbol)


def symbol_key(symbol: str) -> str:
    """Comparison key: case, spacing, braces and a trailing time/asset index ignored."""
    key = to_unicode(symbol).replace(" ", "").lower()
    key = _INDEX_SUFFIX.sub("", key)
    key = key.replace("{", "").replace("}", "")
    return key


def symbol_keys(symbol: str) -> set[str]:
    """The key, plus its singular, so "Scores" is defined by "Score"."""
    key = symbol_key(symbol)
    keys = {key}
    if len(key) > 3 and key.endswith("s") and not key.endswith("ss"):
        keys.add(key[:-1])
    return keys


def is_index(symbol: str) -> bool:
    """A bare series index (t, i, j, k) names no quantity, so it needs no definition."""
    return symbol in _INDEX_LETTERS


def is_constant(symbol: str) -> bool:
    return symbol_key(symbol) in _CONSTANTS
