variable "vendor_account" {
  type    = string
  default = "222233334444"
}

data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "vendor" {
  statement {
    sid     = "Vendor"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${var.vendor_account}:root"]
    }
    condition {
      test     = "StringLike"
      variable = "sts:ExternalId"
      values   = ["*"]
    }
  }
  statement {
    sid     = "Ec2"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "documented" {
  name               = "documented"
  assume_role_policy = data.aws_iam_policy_document.vendor.json
}

resource "aws_iam_role" "encoded" {
  name = "encoded"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Vendor"
      Effect    = "Allow"
      Principal = { AWS = "arn:aws:iam::${var.vendor_account}:root" }
      "Action"  = "sts:AssumeRole"
    }, {
      Effect    = "Allow"
      Principal = { AWS = data.aws_caller_identity.current.account_id }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role" "heredoc" {
  name               = "heredoc"
  assume_role_policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [{
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::${var.vendor_account}:root"},
        "Action": "sts:AssumeRole"
      }]
    }
  EOT
}
