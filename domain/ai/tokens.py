"""How many tokens a text will cost, estimated offline.

None of the installed SDKs counts tokens offline: Anthropic and Gemini count through an
API call (`messages.count_tokens`, `models.count_tokens`), Gemini's `LocalTokenizer`
downloads a SentencePiece model first, and OpenAI's `tiktoken` is not a dependency (and
fetches its vocabularies on first use). A review cuts its chunks before any call, so the
count is estimated from the shapes byte-pair tokenizers split text into, not from a flat
characters-per-token ratio that undercounts exactly the formula-dense text these documents
are full of:

- a run of letters costs one token per 5 letters, rounded up (common words are one token,
  long or rare words split into pieces);
- a run of digits costs one token per 3 digits (current tokenizers split numbers into
  groups of at most three), plus one for a space before it (digits do not merge with it);
- any other ASCII character costs one token, and a single space before a word nothing;
- a non-ASCII letter (Greek, accented, CJK) costs one token and a non-ASCII symbol (≥, ∑,
  superscripts) two, as byte-level tokenizers often need two pieces for them;
- a whitespace run other than one space costs one token.

The sum is then raised by `SAFETY_MARGIN`. Against the counts OpenAI's cookbook prints for
cl100k_base ("tiktoken is great!" 6, "antidisestablishmentarianism" 6, "2 + 2 = 4" 7,
"お誕生日おめでとう" 9) the estimate is 6, 7, 8 and 10 (tests/domain/ai/test_ai_chunking.py).
"""

from __future__ import annotations

import math
import re
import unicodedata

SAFETY_MARGIN = 1.1
_LETTERS = re.compile(r"[A-Za-z]+")
_DIGITS = re.compile(r"[0-9]+")
_SPACED_DIGITS = re.compile(r"(?<!\s) (?=[0-9])")
# A whitespace run other than one space: two or more characters, or one that is not " ".
_SPACE_RUNS = re.compile(r"\s\s+|[^\S ]")
_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")
_NON_ASCII = re.compile(r"[^\x00-\x7f\s]")


def estimate_tokens(text: str) -> int:
    """An estimate at or above what current tokenizers count for `text` (see the module).

    Each kind of piece is counted by its own regular expression, so the work per piece is
    done in C: a 150-page document is counted in a few tens of milliseconds.
    """
    count = sum((len(run) + 4) // 5 for run in _LETTERS.findall(text))
    count += sum((len(run) + 2) // 3 for run in _DIGITS.findall(text))
    count += len(_SPACED_DIGITS.findall(text))
    count += len(_SPACE_RUNS.findall(text))
    count += len(_PUNCTUATION.findall(text))
    for char in _NON_ASCII.findall(text):
        count += 2 if unicodedata.category(char).startswith("S") else 1
    return math.ceil(count * SAFETY_MARGIN)
