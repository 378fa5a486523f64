terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}

data "aws_caller_identity" "current" {}

variable "partner_account" {
  type        = string
  description = "The partner's AWS account (terraform.tfvars)."
}

variable "external_id" {
  type = string
}

variable "environment" {
  type    = string
  default = "prod"
}

locals {
  ci_repos = ["example-org/api", "example-org/web"]
  partners = {
    acme   = { account = "121212121212", external_id = "acme-7f3a" }
    globex = { account = "343434343434", external_id = null }
  }
  tags = { environment = var.environment }
}

data "aws_iam_policy_document" "base" {
  statement {
    sid     = "Ec2"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "partner" {
  source_policy_documents = [data.aws_iam_policy_document.base.json]

  statement {
    sid     = "Partner"
    actions = ["sts:AssumeRole"]
    dynamic "principals" {
      for_each = [var.partner_account]
      content {
        type        = "AWS"
        identifiers = ["arn:aws:iam::${principals.value}:root"]
      }
    }
    condition {
      test     = "StringEquals"
      variable = "sts:ExternalId"
      values   = [var.external_id]
    }
  }
}

resource "aws_iam_role" "partner" {
  name               = "partner-${var.environment}"
  assume_role_policy = data.aws_iam_policy_document.partner.json
  tags               = local.tags
}

resource "aws_iam_role" "per_partner" {
  for_each = local.partners
  name     = "partner-${each.key}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${each.value.account}:root" }
      Action    = "sts:AssumeRole"
      Condition = each.value.external_id == null ? {} : {
        StringEquals = { "sts:ExternalId" = each.value.external_id }
      }
    }]
  })
}

resource "aws_iam_role" "replica" {
  count              = 2
  name               = "replica-${count.index}"
  assume_role_policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [{
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::${data.aws_caller_identity.current.account_id}:role/replicator-${count.index}"},
        "Action": "sts:AssumeRole"
      }]
    }
  EOT
}

resource "aws_iam_role" "from_file" {
  name               = "from-file"
  assume_role_policy = file("${path.module}/policies/trust.json")
}

resource "aws_iam_role" "from_template" {
  name = "from-template"
  assume_role_policy = templatefile("${path.module}/policies/trust.json.tftpl", {
    account = var.partner_account
  })
}

module "github_oidc" {
  source = "../modules/github-oidc"
  repos  = local.ci_repos
}

module "iam" {
  source  = "terraform-aws-modules/iam/aws//modules/iam-assumable-role"
  version = "5.39.0"

  create_role       = true
  role_name         = "vendor-admin"
  trusted_role_arns = ["arn:aws:iam::${var.partner_account}:root"]
  role_requires_mfa = false
}

module "missing" {
  source = "git::https://example.com/org/modules.git//vendor-role?ref=v1.2.0"
}
