"""One crafted value spoils only its own role: numbers Python cannot hold, lone surrogates.

A 5,000-digit integer used to raise ``ValueError`` out of the JSON decoder (the whole file
lost, half a report on stdout); ``1e999`` became ``inf`` and came back out of ``fix`` as
``Infinity``; ``NaN`` was accepted. Each now makes its role an ``error`` result (TW005) with
the value's location, and every other role is evaluated.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.cli.runner import Run, invoke
from trustwarden.engine import analyze_role
from trustwarden.errors import PolicyError
from trustwarden.jsonvalues import BadNumber, find_problem, loads
from trustwarden.model import Settings, Skipped, Status
from trustwarden.policy import decode_document
from trustwarden.remediate.document import minify, pretty
from trustwarden.sources.jsonstream import TOO_DEEP, JsonStream
from trustwarden.sources.offline import load_file

ACCOUNT = "111111111111"
HUGE = "9" * 5000
OPEN = (
    '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": '
    '{"AWS": "arn:aws:iam::999999999999:root"}, "Action": "sts:AssumeRole"%s}]}'
)
BAD_NUMBERS = {"huge": HUGE, "nan": "NaN", "inf": "Infinity", "-inf": "-Infinity", "e999": "1e999"}


def with_number(literal: str) -> str:
    """The open trust policy with a NumericLessThan condition on ``literal`` (as written)."""
    return OPEN % (f', "Condition": {{"NumericLessThan": {{"aws:MultiFactorAuthAge": {literal}}}}}')


def role_json(name: str, document: str) -> str:
    arn = f"arn:aws:iam::{ACCOUNT}:role/{name}"
    return f'{{"RoleName": "{name}", "Arn": "{arn}", "AssumeRolePolicyDocument": {document}}}'


def estate(tmp_path: Path, *, extra: str = "") -> Path:
    """good, one role per bad number, good-last; ``extra`` members after RoleDetailList."""
    roles = [role_json("good", OPEN % "")]
    roles += [role_json(name, with_number(lit)) for name, lit in BAD_NUMBERS.items()]
    roles.append(role_json("good-last", OPEN % ""))
    path = tmp_path / "authz.json"
    path.write_text('{"RoleDetailList": [\n' + ",\n".join(roles) + "]" + extra + "}")
    return path


@pytest.mark.parametrize("literal", list(BAD_NUMBERS.values()))
def test_decoder_keeps_bad_numbers_as_markers(literal: str) -> None:
    value = loads(f'{{"a": [1, {literal}, 2.5]}}')
    assert isinstance(value, dict)
    marker = value["a"][1]
    assert isinstance(marker, BadNumber)
    assert marker.literal == literal
    assert value["a"][0] == 1
    assert value["a"][2] == 2.5
    problem = find_problem(value)
    assert problem is not None
    assert problem.startswith("/a/1: the number ")


def test_a_long_literal_is_shortened_in_messages() -> None:
    marker = loads(HUGE)
    assert isinstance(marker, BadNumber)
    assert str(marker) == "9" * 24 + "… (5000 characters)"
    assert loads("9" * 4000) == int("9" * 4000)  # within Python's limit: a number


@pytest.mark.parametrize("chunk", [7, 64, 4096, 1 << 20])
def test_stream_reads_past_bad_numbers_whatever_the_chunking(chunk: int) -> None:
    text = "[" + ", ".join([HUGE, "1", "NaN", "-Infinity", "1e999", '"x"']) + "]"
    reader = JsonStream(io.StringIO(text), "doc.json", chunk_size=chunk)
    values = [value for _, _, value in reader.array()]
    reader.end()
    assert [type(v).__name__ for v in values] == [
        "BadNumber",
        "int",
        "BadNumber",
        "BadNumber",
        "BadNumber",
        "str",
    ]
    assert [v.literal for v in values if isinstance(v, BadNumber)] == [
        HUGE,
        "NaN",
        "-Infinity",
        "1e999",
    ]


def test_every_role_is_read_and_the_bad_ones_are_errors(tmp_path: Path) -> None:
    items = list(load_file(estate(tmp_path)))
    assert [getattr(i, "name", None) for i in items] == ["good", *BAD_NUMBERS, "good-last"]
    results = {r.name: analyze_role(r, Settings()) for r in items if not isinstance(r, Skipped)}
    assert results["good"].status is Status.FAIL
    assert results["good-last"].status is Status.FAIL
    for name, literal in BAD_NUMBERS.items():
        result = results[name]
        assert result.status is Status.ERROR
        assert [f.code for f in result.findings] == ["TW005"]
        assert result.error is not None
        assert "/Statement/0/Condition/NumericLessThan/aws:MultiFactorAuthAge" in result.error
        assert literal[:24] in result.error


def test_policies_after_the_roles_with_bad_numbers_are_probed(tmp_path: Path) -> None:
    # Policies after RoleDetailList: found by reading the file from its end (policies_probe).
    policies = (
        ', "Policies": [{"Arn": "arn:aws:iam::111111111111:policy/p", "PolicyVersionList": '
        '[{"IsDefaultVersion": true, "Document": {"Statement": [{"Effect": "Allow", '
        f'"Action": "*", "Resource": "*", "Condition": {{"NumericLessThan": {{"n": {HUGE}}}}}}}'
        "]}}]}]"
    )
    items = list(load_file(estate(tmp_path, extra=policies)))
    assert [getattr(i, "name", None) for i in items] == ["good", *BAD_NUMBERS, "good-last"]


def test_a_role_name_that_is_a_huge_number_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "roles.json"
    arn = f"arn:aws:iam::{ACCOUNT}:role/n"
    path.write_text(
        f'{{"Roles": [{{"RoleName": {HUGE}, "Arn": "{arn}", "MaxSessionDuration": {HUGE}}},'
        + role_json("good", OPEN % "")
        + "]}"
    )
    items = list(load_file(path))
    assert isinstance(items[0], Skipped)
    assert items[0].reason == "it has no RoleName"
    assert getattr(items[1], "name", None) == "good"


@pytest.mark.parametrize(
    "raw",
    [
        with_number("1e999"),
        with_number("NaN"),
        with_number(HUGE),
        json.dumps(with_number("Infinity")),  # a JSON string holding the document
        quote(with_number("-Infinity")),  # URL-encoded, as the IAM API sends it
    ],
)
def test_decode_document_rejects_bad_numbers_in_every_spelling(raw: str) -> None:
    with pytest.raises(PolicyError, match="not valid JSON for IAM: at /Statement/0/Condition"):
        decode_document(raw)


def test_decode_document_rejects_non_finite_floats_from_other_decoders() -> None:
    # boto3 decodes IAM's policy documents with json.loads: 1e999 arrives as float("inf").
    document = json.loads(with_number("1e999"))
    assert document["Statement"][0]["Condition"]["NumericLessThan"]["aws:MultiFactorAuthAge"] == (
        float("inf")
    )
    with pytest.raises(PolicyError, match="the number inf is not finite"):
        decode_document(document)
    with pytest.raises(PolicyError, match="the number nan is not finite"):
        decode_document(json.loads(with_number("NaN")))


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (OPEN % ', "Sid": "x\\ud800"', "/Statement/0/Sid: a string"),
        (OPEN % ', "Condition": {"StringEquals": {"k\\udfff": "v"}}', "/Statement/0/Condition/"),
    ],
)
def test_lone_surrogates_in_a_trust_policy_are_an_error(text: str, where: str) -> None:
    with pytest.raises(PolicyError, match="lone surrogate") as caught:
        decode_document(text)
    assert where in caught.value.message


def test_writers_never_emit_non_finite_numbers() -> None:
    for value in (float("inf"), float("-inf"), float("nan")):
        document: dict[str, Any] = {"Statement": [{"n": value}]}
        with pytest.raises(ValueError, match="not JSON compliant"):
            minify(document)
        with pytest.raises(ValueError, match="not JSON compliant"):
            pretty(document)


def cli(cwd: Path, *args: str) -> Run:
    return invoke(args, env={}, cwd=cwd)


def strict_json(text: str) -> Any:
    """Parse JSON, failing on NaN/Infinity (which json.loads accepts)."""

    def refuse(literal: str) -> None:
        raise AssertionError(f"{literal} in the output")

    return json.loads(text, parse_constant=refuse)


def test_scan_json_report_is_whole_and_valid(tmp_path: Path) -> None:
    run = cli(tmp_path, "scan", "--input", str(estate(tmp_path)), "--format", "json")
    assert run.code == 2  # roles that could not be evaluated
    report = strict_json(run.out)
    assert report["run"]["complete"] is True
    statuses = {r["role_name"]: r["status"] for r in report["results"]}
    assert statuses == {"good": "fail", **dict.fromkeys(BAD_NUMBERS, "error"), "good-last": "fail"}
    assert "1e999 is too large: it is not a finite number" in run.out


def test_fix_writes_no_infinity_and_names_the_bad_roles(tmp_path: Path) -> None:
    out_dir = tmp_path / "fixed"
    run = cli(
        tmp_path,
        "fix",
        "--input",
        str(estate(tmp_path)),
        "--require-mfa",
        "--out-dir",
        str(out_dir),
    )
    assert run.code == 2  # the bad roles cannot be fixed
    assert sorted(p.name for p in out_dir.iterdir()) == ["good-last.trust.json", "good.trust.json"]
    for path in out_dir.iterdir():
        strict_json(path.read_text(encoding="utf-8"))
    for name in BAD_NUMBERS:
        assert f"role/{name}: not fixed: cannot evaluate the role:" in run.out
    assert "Infinity\n" not in run.out
    printed = cli(tmp_path, "fix", "--input", str(estate(tmp_path)), "--require-mfa")
    documents = printed.out.split("# fixed trust policy of ")[1:]
    assert [d.split("\n", 1)[0] for d in documents] == [
        f"arn:aws:iam::{ACCOUNT}:role/good",
        f"arn:aws:iam::{ACCOUNT}:role/good-last",
    ]
    for document in documents:
        text = document.split("\n", 1)[1]
        strict_json(text[: text.index("\n}\n") + 3])
    assert "2 to change, 5 not fixable as asked" in printed.err


def test_bare_policy_file_with_a_bad_number(tmp_path: Path) -> None:
    path = tmp_path / "vendor.json"
    path.write_text(with_number("NaN"))
    run = cli(tmp_path, "scan", "--input", str(path), "--account-id", ACCOUNT, "--format", "json")
    assert run.code == 2
    (result,) = strict_json(run.out)["results"]
    assert result["role_name"] == "vendor"
    assert result["status"] == "error"
    assert "NaN is not a number JSON allows" in result["error"]


def test_a_document_or_file_that_is_only_a_bad_number(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="at /: the number 1e999 is too large"):
        decode_document(loads("1e999"))
    path = tmp_path / "number.json"
    path.write_text("1e999\n")
    run = cli(tmp_path, "scan", "--input", str(path), "--format", "json")
    assert run.code == 2
    (skipped,) = strict_json(run.out)["skipped"]
    assert skipped["reason"].startswith("not a recognised IAM export (a JSON number)")


def nested(depth: int) -> str:
    """Arrays ``depth`` deep, with strings holding brackets and escaped quotes at the bottom."""
    return "[" * depth + '"]\\"[", "}{"' + "]" * depth


@pytest.mark.parametrize("chunk", [7, 4096, 1 << 20])
def test_stream_skips_a_value_nested_too_deeply_whatever_the_chunking(chunk: int) -> None:
    text = f'[1, {nested(100_000)}, {{"a": {nested(5000)}}}, "after"]'
    reader = JsonStream(io.StringIO(text), "doc.json", chunk_size=chunk)
    values = [value for _, _, value in reader.array()]
    reader.end()
    assert values == [1, TOO_DEEP, TOO_DEEP, "after"]


@pytest.mark.parametrize("depth", [990, 5000, 100_000])
def test_a_role_nested_too_deeply_is_skipped_and_the_others_are_read(
    tmp_path: Path, depth: int
) -> None:
    deep = OPEN % f', "Condition": {{"StringEquals": {{"aws:x": {nested(depth)}}}}}'
    path = tmp_path / "authz.json"
    roles = [role_json("good", OPEN % ""), role_json("deep", deep), role_json("last", OPEN % "")]
    path.write_text('{"RoleDetailList": [\n' + ",\n".join(roles) + "]}")
    items = list(load_file(path))
    assert [getattr(i, "name", None) for i in items] == ["good", None, "last"]
    skipped = items[1]
    assert isinstance(skipped, Skipped)
    assert "/RoleDetailList/1" in skipped.what
    assert skipped.reason == "it is nested too deeply"
    run = invoke(["scan", "--input", str(path)], env={}, cwd=tmp_path)
    assert run.code == 2  # a skipped entry; the two open roles are still reported
    assert "good" in run.out
    assert "last" in run.out
    assert "Traceback" not in run.err
