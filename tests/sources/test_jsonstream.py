"""The incremental JSON reader: same values as json.loads, whatever the chunking."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustwarden.errors import InputError
from trustwarden.sources.jsonstream import JsonStream

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**20), max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def stream(text: str, chunk: int = 1 << 20) -> JsonStream:
    return JsonStream(io.StringIO(text), "doc.json", chunk_size=chunk)


@settings(max_examples=150, deadline=None)
@given(
    value=json_values,
    chunk=st.integers(min_value=1, max_value=40),
    indent=st.none() | st.integers(0, 3),
)
def test_value_matches_json_loads(value: Any, chunk: int, indent: int | None) -> None:
    text = json.dumps(value, indent=indent)
    reader = stream(" \n" + text + "\n ", chunk)
    assert reader.value() == json.loads(text)
    reader.end()


@settings(max_examples=150, deadline=None)
@given(
    items=st.lists(json_values, max_size=6),
    chunk=st.integers(min_value=1, max_value=40),
    indent=st.none() | st.integers(0, 3),
)
def test_array_streams_elements_with_their_lines(
    items: list[Any], chunk: int, indent: int | None
) -> None:
    text = json.dumps({"before": 1, "list": items, "after": [2]}, indent=indent)
    reader = stream(text, chunk)
    seen: dict[str, Any] = {}
    got: list[Any] = []
    lines: list[int] = []
    for key in reader.object_keys():
        if key == "list":
            for index, line, element in reader.array():
                assert index == len(got)
                got.append(element)
                lines.append(line)
        else:
            seen[key] = reader.value()
    reader.end()
    assert got == json.loads(text)["list"]
    assert seen == {"before": 1, "after": [2]}
    if indent is not None:  # each element starts a line of its own
        text_lines = text.splitlines()
        for line, element in zip(lines, got, strict=True):
            assert json.loads(json.dumps(element)) == element
            assert text_lines[line - 1].strip()  # not a blank line
    else:
        assert set(lines) <= {1}


@pytest.mark.parametrize("chunk", [1, 3, 1 << 20])
def test_skip_streams_through_arrays_and_values(chunk: int) -> None:
    reader = stream('{"a": [1, [2, {"x": "]"}], "}"], "b": {"c": "[["}, "d": 5}', chunk)
    keys = []
    for key in reader.object_keys():
        keys.append(key)
        if key == "d":
            assert reader.value() == 5
        else:
            reader.skip()
    reader.end()
    assert keys == ["a", "b", "d"]


@pytest.mark.parametrize("chunk", [1, 2, 3, 4, 5])
def test_number_cut_by_the_chunk_boundary_is_read_whole(chunk: int) -> None:
    reader = stream("[12345678901234567890, 7, 1e+16, -0.5E-3, 2]", chunk=chunk)
    assert [v for _, _, v in reader.array()] == [12345678901234567890, 7, 1e16, -0.5e-3, 2]


def test_empty_containers() -> None:
    reader = stream("{}")
    assert list(reader.object_keys()) == []
    assert list(stream("[ ]").array()) == []


def consume(reader: JsonStream) -> None:
    if reader.peek() == "{":
        for _ in reader.object_keys():
            reader.value()
    else:
        for _ in reader.array():
            pass


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("", "end of file", 1),
        ("[1,", "unexpected end of file", 1),
        ("[1,\n2,\n]", "Expecting value", 3),
        ("[1\n2]", "expected ',' or ']'", 2),
        ('{"a"\n 1}', "expected ':'", 2),
        ('{"a": 1\n"b": 2}', "expected ',' or '}'", 2),
        ("{\n\n 3: 1}", "property name in double quotes", 3),
        ('[\n"unterminated', "Unterminated string", 2),
        ("[" * 100_000, "nested too deeply", 1),
    ],
)
def test_errors_name_file_and_line(text: str, message: str, line: int) -> None:
    reader = stream(text, chunk=2)
    with pytest.raises(InputError) as caught:
        consume(reader)
    assert caught.value.message.startswith("doc.json: ")
    assert message in caught.value.message
    assert caught.value.message.endswith(f"(line {line})")


def test_data_after_the_document() -> None:
    reader = stream("[1]\n\n[2]")
    list(reader.array())
    with pytest.raises(InputError, match=r"unexpected data after the document \(line 3\)"):
        reader.end()


def test_rest_returns_remaining_text() -> None:
    reader = stream("  %7B%22a%22%3A1%7D\n" * 3, chunk=5)
    assert reader.peek() == "%"
    assert reader.rest() == ("%7B%22a%22%3A1%7D\n  " * 3)[:-2]
    assert reader.peek() == ""


class FailingHandle(io.StringIO):
    def read(self, size: int | None = -1) -> str:
        raise OSError(5, "Input/output error")


def test_read_error_is_an_input_error() -> None:
    reader = JsonStream(FailingHandle(), "disk.json")
    with pytest.raises(InputError, match=r"disk\.json: cannot read: Input/output error"):
        reader.peek()
