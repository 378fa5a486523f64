variable "repos" {
  type = list(string)
}

variable "provider_host" {
  type    = string
  default = "token.actions.githubusercontent.com"
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:oidc-provider/${var.provider_host}"]
    }
    condition {
      test     = "StringEquals"
      variable = "${var.provider_host}:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringLike"
      variable = "${var.provider_host}:sub"
      values   = [for repo in var.repos : "repo:${repo}:ref:refs/heads/main"]
    }
  }
}

resource "aws_iam_role" "deploy" {
  name               = "github-deploy"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}

output "role_arn" {
  value = aws_iam_role.deploy.arn
}
