"""Make `domain` mean the application package in these tests.

Plain `pytest` puts tests/ on sys.path (for tests/conftest.py), where tests/domain
is found as a namespace package before the editable install's finder is asked,
so `import domain` would not find the code under test. `python -m pytest` does
not have the problem because it puts the repository root first; this does the same.
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[3])
if sys.path[:1] != [_ROOT]:
    sys.path.insert(0, _ROOT)
