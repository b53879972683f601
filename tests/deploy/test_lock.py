"""requirements/*.lock agree with pyproject.toml (`make lock` refreshes them)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
RUNTIME = [Requirement(r) for r in PROJECT["dependencies"]]
# The dev lock holds every extra (DEV_EXTRAS in the Makefile).
EVERYTHING = RUNTIME + [
    Requirement(r) for extra in PROJECT["optional-dependencies"].values() for r in extra
]

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", re.MULTILINE)


def pins(lock: str) -> dict[str, str]:
    text = (ROOT / "requirements" / lock).read_text()
    return {canonicalize_name(name): version for name, version in PIN.findall(text)}


@pytest.mark.parametrize(
    ("lock", "requirements"), [("runtime.lock", RUNTIME), ("dev.lock", EVERYTHING)]
)
def test_every_dependency_is_pinned_within_its_range(
    lock: str, requirements: list[Requirement]
) -> None:
    pinned = pins(lock)
    wrong = {}
    for requirement in requirements:
        version = pinned.get(canonicalize_name(requirement.name))
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            wrong[str(requirement)] = version or "not pinned"
    assert not wrong, f"{lock} is stale, run `make lock`: {wrong}"


def test_dev_lock_pins_the_runtime_versions() -> None:
    runtime, dev = pins("runtime.lock"), pins("dev.lock")
    differ = {name: (v, dev.get(name)) for name, v in runtime.items() if dev.get(name) != v}
    assert not differ, f"run `make lock`: {differ}"
