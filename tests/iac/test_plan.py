"""Terraform plans and state as ``terraform show -json`` prints them."""

from __future__ import annotations

from tests.iac.helpers import DATA, OWN, results, roles, statuses


def test_plan_resource_changes_with_modules_unknowns_and_deletes() -> None:
    found = results([DATA / "plan" / "plan.json"], OWN)
    assert statuses(found) == {
        "aws_iam_role.vendor": "fail",
        "module.ci.aws_iam_role.deploy[0]": "error",  # known only after apply
    }  # aws_iam_role.old is being deleted; the bucket is no role
    deploy = found["module.ci.aws_iam_role.deploy[0]"]
    assert "known only after apply" in deploy.role.origin.notes[0]
    assert deploy.findings[0].notes == deploy.role.origin.notes
    vendor = found["aws_iam_role.vendor"].role
    assert vendor.arn == f"arn:aws:iam::{OWN}:role/vendor-readonly"
    assert vendor.origin.source == "terraform-plan"
    assert vendor.origin.pointer == "/resource_changes/1"


def test_state_values_walk_child_modules() -> None:
    (role,) = roles([DATA / "plan" / "state.json"], OWN)[
        'module.partners.aws_iam_role.partner["acme"]'
    ]
    assert role.origin.pointer == "/values/root_module/child_modules/0/resources/0"
    found = results([DATA / "plan" / "state.json"], OWN)
    assert statuses(found) == {'module.partners.aws_iam_role.partner["acme"]': "pass"}
