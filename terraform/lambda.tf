# gitfn on Lambda: the same HTTP server as everywhere, started by the Web Adapter, behind a
# function URL that streams responses (up to 200 MB; no WebSockets, so no tunnel here).
resource "aws_lambda_function" "gitfn" {
  function_name    = var.name
  role             = aws_iam_role.gitfn.arn
  package_type     = "Zip"
  filename         = var.lambda_zip
  source_code_hash = filebase64sha256(var.lambda_zip)
  runtime          = "java21"
  handler          = "run.sh"
  architectures    = ["x86_64"]
  layers           = [var.web_adapter_layer_arn]
  memory_size      = var.memory_mb
  timeout          = var.timeout_seconds
  publish          = var.snap_start

  reserved_concurrent_executions = var.reserved_concurrency

  ephemeral_storage {
    size = var.snap_start ? 512 : var.ephemeral_storage_mb
  }

  dynamic "snap_start" {
    for_each = var.snap_start ? [1] : []
    content {
      apply_on = "PublishedVersions"
    }
  }

  environment {
    variables = {
      AWS_LAMBDA_EXEC_WRAPPER      = "/opt/bootstrap"
      AWS_LWA_PORT                 = "8080"
      AWS_LWA_READINESS_CHECK_PORT = "8081"
      AWS_LWA_READINESS_CHECK_PATH = "/q/health/ready"
      AWS_LWA_INVOKE_MODE          = "response_stream"
      # The adapter reaches gitfn on loopback; the function URL is public, so authentication is on.
      QUARKUS_HTTP_HOST       = "127.0.0.1"
      GITFN_STORAGE           = "s3"
      GITFN_S3_BUCKET         = aws_s3_bucket.store.id
      GITFN_S3_PREFIX         = var.store_prefix
      GITFN_S3_REGION         = var.region
      GITFN_PUBLISH_S3_BUCKET = aws_s3_bucket.published.id
      GITFN_CACHE_DIR         = "/tmp/cache"
      GITFN_CACHE_MAX_BYTES   = "${floor((var.snap_start ? 512 : var.ephemeral_storage_mb) * 3 / 4)}M"
      # A minute below the function's timeout, so git gets gitfn's answer, not a cut connection.
      GITFN_LIMITS_MAX_REQUEST_TIME = "${var.timeout_seconds - 60}s"
      # The function URL takes at most 6 MB of request (about 4.5 MB of pack once base64-encoded)
      # and answers a larger one itself (git: "RPC failed; HTTP 413"); gitfn's own cap below it
      # refuses in git's status report instead, and tells git where to push.
      GITFN_LIMITS_MAX_PACK_SIZE       = "4M"
      GITFN_LIMITS_PACK_TOO_LARGE_HINT = var.large_push_hint
      GITFN_PUBLISH_BASE_URL           = "https://${aws_cloudfront_distribution.published.domain_name}"
      # A repository made private is withdrawn from the bucket and invalidated here.
      GITFN_PUBLISH_CDN_CLOUDFRONT_DISTRIBUTION_ID = aws_cloudfront_distribution.published.id
      GITFN_AUTH_ADMIN_TOKEN                       = var.admin_token
      JAVA_TOOL_OPTIONS                            = "-XX:+UseSerialGC -XX:MaxRAMPercentage=70 -XX:TieredStopAtLevel=1"
    }
  }

  depends_on = [aws_cloudwatch_log_group.gitfn, aws_iam_role_policy.gitfn]
}

resource "aws_lambda_function_url" "gitfn" {
  function_name      = aws_lambda_function.gitfn.function_name
  authorization_type = "NONE" # gitfn authenticates every request itself
  invoke_mode        = "RESPONSE_STREAM"
}
