from domain.ir import Section
from domain.semantics import Semantics, extract_semantics


def test_empty_document_gives_empty_semantics() -> None:
    result = extract_semantics([], [])
    assert result == Semantics()


def test_result_is_immutable() -> None:
    result = extract_semantics([Section(id="s1", title="Overview")], [])
    assert isinstance(result.definitions, list)
    try:
        result.definitions = []  # type: ignore[misc]
    except AttributeError:
        return
    raise AssertionError("Semantics must be frozen")
