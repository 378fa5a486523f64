"""``fix PATH...``: the fixed trust document in the template's own syntax.

The oracle is the scanner itself: the printed document is put back into the template in
place of the original, and the template, scanned again, must pass — with its template
functions (``!Sub``, ``{"Fn::Sub": ...}``, ``var.x``) still there, as written.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import yaml

from tests.cli.runner import Run, invoke
from tests.iac.helpers import DATA, OWN
from trustwarden.sources.iac.yamlload import load_yaml

FIX = DATA / "fix"


def _fix(tmp_path: Path, *args: str) -> Run:
    return invoke(
        # --role "*": these fixtures' roles trust different vendors; one ID for all of them
        # is refused without an explicit selection (tests/cli/test_flags.py)
        ["fix", *args, "--account-id", OWN, "--external-id", "vendor-id-1", "--role", "*"],
        env={},
        cwd=tmp_path,
    )


def _blocks(out: str) -> dict[str, str]:
    """Printed fixes by role name (the text after each ``# fixed trust policy of`` line)."""
    found: dict[str, str] = {}
    name = None
    for line in out.splitlines():
        head = re.match(r"# fixed trust policy of (\S+) \(", line)
        if head:
            name = head.group(1)
            found[name] = ""
        elif name is not None:
            found[name] += line + "\n"
    return found


def _scan(path: Path, tmp_path: Path) -> dict[str, str]:
    run = invoke(["scan", str(path), "--account-id", OWN, "--format", "json"], env={}, cwd=tmp_path)
    assert run.code in (0, 1), run.err
    return {r["role_name"]: r["status"] for r in json.loads(run.out)["results"]}


def test_cloudformation_yaml_keeps_its_short_form_tags(tmp_path: Path) -> None:
    template = tmp_path / "vendor.yaml"
    shutil.copy(FIX / "cfn" / "vendor.yaml", template)
    assert _scan(template, tmp_path) == {"VendorRole": "fail"}
    run = _fix(tmp_path, str(template))
    assert run.code == 0, run.err
    text = _blocks(run.out)["VendorRole"]
    # The document as written, template functions and quoting kept, the condition added
    assert text.startswith("AssumeRolePolicyDocument:\n  Version: 2012-10-17\n")
    assert 'Principal: {AWS: !Sub "arn:aws:iam::${VendorAccount}:root"}' in text
    assert 'AWS: !Join [":", ["arn:aws:iam:", !Ref VendorAccount, "root"]]' in text
    assert "StringLike" not in text  # the weak test of the same key is replaced
    assert "Bool: {" in text  # other conditions stay
    document = load_yaml(text, "fixed")["AssumeRolePolicyDocument"]
    assert document["Statement"][0]["Principal"] == {
        "AWS": {"Fn::Sub": "arn:aws:iam::${VendorAccount}:root"}
    }
    for statement in document["Statement"]:
        assert statement["Condition"]["StringEquals"] == {"sts:ExternalId": "vendor-id-1"}
    # Put back into the template (the document is the last property): the role passes,
    # and what surrounds the document (RoleName !Sub, Tags with !Ref) is untouched.
    original = template.read_text()
    head = original[: original.index("      AssumeRolePolicyDocument:")]
    template.write_text(head + "".join(f"      {line}\n" for line in text.splitlines()))
    assert _scan(template, tmp_path) == {"VendorRole": "pass"}
    assert '      RoleName: !Sub "${AWS::StackName}-vendor"\n' in template.read_text()
    assert template.read_text().startswith(head)


def test_cloudformation_json_with_a_principal_removed(tmp_path: Path) -> None:
    template = tmp_path / "vendor.json"
    shutil.copy(FIX / "cfn" / "vendor.json", template)
    run = _fix(tmp_path, str(template), "--remove-principal", "555566667777")
    assert run.code == 0, run.err
    fixed = json.loads(_blocks(run.out)["VendorRole"])["AssumeRolePolicyDocument"]
    statements = fixed["Statement"]
    assert statements[0]["Principal"] == {"AWS": {"Fn::Sub": "arn:aws:iam::${VendorAccount}:root"}}
    assert statements[1]["Principal"] == {"AWS": [{"Ref": "VendorAccount"}]}
    data = json.loads(template.read_text())
    data["Resources"]["VendorRole"]["Properties"]["AssumeRolePolicyDocument"] = fixed
    template.write_text(json.dumps(data))
    assert _scan(template, tmp_path) == {"VendorRole": "pass"}


def test_terraform_jsonencode_heredoc_and_policy_document(tmp_path: Path) -> None:
    module = tmp_path / "infra"
    shutil.copytree(FIX / "terraform", module)
    main = module / "main.tf"
    assert _scan(module, tmp_path) == {
        "aws_iam_role.documented": "fail",
        "aws_iam_role.encoded": "fail",
        "aws_iam_role.heredoc": "fail",
    }
    run = _fix(tmp_path, str(module))
    assert run.code == 0, run.err
    fixes = _blocks(run.out)
    encoded = fixes["aws_iam_role.encoded"]
    assert encoded.startswith("assume_role_policy = jsonencode({\n")
    assert 'AWS = "arn:aws:iam::${var.vendor_account}:root"' in encoded
    assert "AWS = data.aws_caller_identity.current.account_id" in encoded  # as written
    assert '"Action" = "sts:AssumeRole"' in encoded  # a quoted key stays quoted
    assert '"sts:ExternalId" = "vendor-id-1"' in encoded
    heredoc = fixes["aws_iam_role.heredoc"]
    assert heredoc.startswith("assume_role_policy = <<-EOT\n")
    assert heredoc.endswith("\nEOT\n")
    inner = json.loads(heredoc.split("\n", 1)[1].rsplit("EOT", 1)[0])
    assert inner["Statement"][0]["Condition"] == {"StringEquals": {"sts:ExternalId": "vendor-id-1"}}
    documented = fixes["aws_iam_role.documented"]
    assert "replacing data.aws_iam_policy_document.vendor" in run.out
    assert "identifiers" not in documented
    assert "AWS = [\n" in documented
    # Each printed attribute replaces the original one: every role passes.
    source = main.read_text()
    start = source.index("  assume_role_policy = jsonencode({")
    end = source.index("  })\n", start) + len("  })\n")
    source = source[:start] + _indent(encoded) + source[end:]
    source = source.replace(
        "  assume_role_policy = data.aws_iam_policy_document.vendor.json\n",
        _indent(documented),
    )
    start = source.index("  assume_role_policy = <<-EOT")
    end = source.index("  EOT\n", start) + len("  EOT\n")
    source = source[:start] + _indent(heredoc) + source[end:]
    main.write_text(source)
    assert set(_scan(module, tmp_path).values()) == {"pass"}


def _indent(text: str) -> str:
    return "".join(f"  {line}\n" if line != "EOT" else "EOT\n" for line in text.splitlines())


def test_out_dir_writes_one_file_per_role_in_its_syntax(tmp_path: Path) -> None:
    out = tmp_path / "fixed"
    run = _fix(
        tmp_path,
        str(FIX / "cfn" / "vendor.yaml"),
        str(FIX / "cfn" / "vendor.json"),
        str(FIX / "terraform"),
        "--out-dir",
        str(out),
    )
    assert run.code == 0, run.err
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "VendorRole.AssumeRolePolicyDocument.json",
        "VendorRole.AssumeRolePolicyDocument.yaml",
        "aws_iam_role.documented.assume_role_policy.hcl",
        "aws_iam_role.encoded.assume_role_policy.hcl",
        "aws_iam_role.heredoc.assume_role_policy.hcl",
    ]
    loaded = yaml.compose((out / "VendorRole.AssumeRolePolicyDocument.yaml").read_text())
    assert loaded is not None
    assert "wrote " in run.err
    assert run.out.count("# fixed trust policy") == 0  # written, not printed


def test_a_condition_chosen_by_fn_if_is_left_to_the_author(tmp_path: Path) -> None:
    run = _fix(tmp_path, str(FIX / "cfn" / "branches.yaml"))
    assert run.code == 2
    assert "BranchRole: the fix cannot be written in the template's syntax" in run.err
    assert "Condition is a template function" in run.err
    assert "Traceback" not in run.err
    assert "# fixed trust policy" not in run.out


def test_a_principal_written_as_a_function_is_not_removed_silently(tmp_path: Path) -> None:
    run = _fix(tmp_path, str(FIX / "cfn" / "vendor.json"), "--remove-principal", "222233334444")
    assert run.code == 2
    assert "a principal to remove is written with a template function" in run.err
    assert "# fixed trust policy" not in run.out


def test_a_terraform_plan_is_fixed_in_its_configuration(tmp_path: Path) -> None:
    run = _fix(tmp_path, str(DATA / "plan" / "plan.json"))
    assert run.code == 2
    assert "1 to change" in run.err
    assert "aws_iam_role.vendor: the fix cannot be written" in run.err
    assert "fix the configuration it was made from" in run.err


def test_every_variant_of_a_role_is_fixed_in_one_document(tmp_path: Path) -> None:
    template = tmp_path / "variants.yaml"
    shutil.copy(FIX / "cfn" / "variants.yaml", template)
    run = _fix(tmp_path, str(template), "--remove-principal", "555566667777")
    assert run.code == 0, run.err
    assert run.out.count("role/SplitRole: fail -> pass") == 2  # both Fn::If branches
    text = _blocks(run.out)["SplitRole"]
    assert "555566667777" not in text
    assert '- !If [IsProd, "arn:aws:iam::222233334444:root", "arn:aws:iam::333344445555:root"]' in (
        text
    )
    original = template.read_text()
    head = original[: original.index("      AssumeRolePolicyDocument:")]
    template.write_text(head + "".join(f"      {line}\n" for line in text.splitlines()))
    assert _scan(template, tmp_path) == {"SplitRole": "pass"}


def test_a_document_chosen_by_fn_if_is_left_to_the_author(tmp_path: Path) -> None:
    run = _fix(tmp_path, str(FIX / "cfn" / "document-if.json"))
    assert run.code == 2
    assert "R: the fix cannot be written" in run.err
    assert "the whole document is a template function" in run.err
    assert "Traceback" not in run.err


def test_require_mfa_writes_true_as_text(tmp_path: Path) -> None:
    template = tmp_path / "vendor.yaml"
    shutil.copy(FIX / "cfn" / "vendor.yaml", template)
    run = invoke(["fix", str(template), "--account-id", OWN, "--require-mfa"], env={}, cwd=tmp_path)
    assert run.code == 0, run.err
    text = _blocks(run.out)["VendorRole"]
    assert "aws:MultiFactorAuthPresent: 'true'" in text  # a string, as IAM compares it
    assert "'aws:MultiFactorAuthPresent': 'true'" in text  # added to the flow-style Bool block
    original = template.read_text()
    head = original[: original.index("      AssumeRolePolicyDocument:")]
    template.write_text(head + "".join(f"      {line}\n" for line in text.splitlines()))
    # No longer exposed; the template's `StringLike sts:ExternalId "*"` stays (MFA was asked
    # for, not an External ID), which the External ID quality rule TW009 reports as a warning.
    assert _scan(template, tmp_path) == {"VendorRole": "warn"}
