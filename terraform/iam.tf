# Least privilege: the store's prefix and the published bucket, invalidations of its CDN, and the
# function's own log group.
resource "aws_iam_role" "gitfn" {
  name = var.name
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy" "gitfn" {
  name = "${var.name}-store"
  role = aws_iam_role.gitfn.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "StoreObjects"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
        Resource = "${aws_s3_bucket.store.arn}/${var.store_prefix}/*"
      },
      {
        Sid       = "StoreListing"
        Effect    = "Allow"
        Action    = "s3:ListBucket"
        Resource  = aws_s3_bucket.store.arn
        Condition = { StringLike = { "s3:prefix" = ["${var.store_prefix}/*"] } }
      },
      {
        Sid      = "PublishedObjects"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
        Resource = "${aws_s3_bucket.published.arn}/*"
      },
      {
        Sid      = "PublishedListing"
        Effect   = "Allow"
        Action   = "s3:ListBucket"
        Resource = aws_s3_bucket.published.arn
      },
      {
        Sid      = "ForgetWithdrawnRepositories"
        Effect   = "Allow"
        Action   = "cloudfront:CreateInvalidation"
        Resource = aws_cloudfront_distribution.published.arn
      },
      {
        Sid      = "Logs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.gitfn.arn}:*"
      }
    ]
  })
}

resource "aws_cloudwatch_log_group" "gitfn" {
  name              = "/aws/lambda/${var.name}"
  retention_in_days = 30
}
