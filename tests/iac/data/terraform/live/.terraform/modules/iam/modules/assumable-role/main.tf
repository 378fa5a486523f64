variable "create_role" {
  type    = bool
  default = false
}

variable "role_name" {
  type    = string
  default = null
}

variable "trusted_role_arns" {
  type    = list(string)
  default = []
}

variable "role_requires_mfa" {
  type    = bool
  default = true
}

data "aws_iam_policy_document" "assume_role" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole", "sts:TagSession"]

    principals {
      type        = "AWS"
      identifiers = var.trusted_role_arns
    }

    dynamic "condition" {
      for_each = var.role_requires_mfa ? [1] : []
      content {
        test     = "Bool"
        variable = "aws:MultiFactorAuthPresent"
        values   = ["true"]
      }
    }
  }
}

resource "aws_iam_role" "this" {
  count              = var.create_role ? 1 : 0
  name               = var.role_name
  assume_role_policy = data.aws_iam_policy_document.assume_role.json
}

output "iam_role_arn" {
  value = try(aws_iam_role.this[0].arn, "")
}
