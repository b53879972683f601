"""External tools the deploy checks run: skipped where missing, unless CI requires them."""

from __future__ import annotations

import os
import shutil

import pytest


def require_tool(name: str) -> str:
    """The tool's path; a skip without it, or a failure when DOCSENSE_REQUIRE_TOOLS is set
    (`make check-deploy`), so CI cannot pass by skipping."""
    path = shutil.which(name)
    if path is not None:
        return path
    if os.environ.get("DOCSENSE_REQUIRE_TOOLS"):
        pytest.fail(f"{name} is not installed and DOCSENSE_REQUIRE_TOOLS is set")
    pytest.skip(f"{name} is not installed")
