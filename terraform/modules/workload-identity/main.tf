# IRSA: a pod gets AWS credentials only through its own service account's projected token. Each
# role trusts exactly one namespace/service-account pair of one cluster.
data "aws_iam_policy_document" "trust" {
  for_each = var.service_accounts

  statement {
    sid     = "ServiceAccount"
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:sub"
      values   = ["system:serviceaccount:${each.value.namespace}:${each.value.service_account}"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

locals {
  issuer = replace(var.oidc_issuer_url, "https://", "")
}

resource "aws_iam_role" "service" {
  for_each = var.service_accounts

  name                 = "${var.name_prefix}-${each.key}"
  description          = "IRSA role of ${each.value.namespace}/${each.value.service_account}"
  assume_role_policy   = data.aws_iam_policy_document.trust[each.key].json
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_role_policy" "service" {
  for_each = var.service_accounts

  name   = "${each.key}-access"
  role   = aws_iam_role.service[each.key].id
  policy = each.value.policy_json
}
