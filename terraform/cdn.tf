# Dumb HTTP for public repositories from the published bucket, through CloudFront.
# Files that change on every push are revalidated on every request (TTL 0, the bucket's ETag
# answers 304), so a clone sees a push at once; packs and LFS objects never change (named by
# their hash) and are cached for a year.
resource "aws_cloudfront_origin_access_control" "published" {
  name                              = "${var.name}-published"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

# Anything but git's dumb-HTTP paths and LFS objects is 404 at the edge.
resource "aws_cloudfront_function" "not_found" {
  name    = "${var.name}-not-found"
  runtime = "cloudfront-js-2.0"
  code    = "function handler(event) { return { statusCode: 404, statusDescription: 'Not Found' }; }"
}

locals {
  # path pattern => TTL in seconds
  dumb_http_paths = {
    "*.git/info/refs"          = 0
    "*.git/HEAD"               = 0
    "*.git/objects/info/packs" = 0
    "*.git/objects/pack/*"     = 31536000
    "*.git/lfs/objects/*"      = 31536000
  }
}

resource "aws_cloudfront_distribution" "published" {
  enabled         = true
  comment         = "gitfn published area (public repositories, dumb HTTP)"
  price_class     = "PriceClass_100"
  is_ipv6_enabled = true

  origin {
    origin_id                = "published"
    domain_name              = aws_s3_bucket.published.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.published.id
  }

  dynamic "ordered_cache_behavior" {
    for_each = local.dumb_http_paths
    content {
      path_pattern           = ordered_cache_behavior.key
      target_origin_id       = "published"
      viewer_protocol_policy = "redirect-to-https"
      allowed_methods        = ["GET", "HEAD"]
      cached_methods         = ["GET", "HEAD"]
      min_ttl                = 0
      default_ttl            = ordered_cache_behavior.value
      max_ttl                = ordered_cache_behavior.value
      compress               = false
      forwarded_values {
        query_string = false
        cookies {
          forward = "none"
        }
      }
    }
  }

  default_cache_behavior {
    target_origin_id       = "published"
    viewer_protocol_policy = "redirect-to-https"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    forwarded_values {
      query_string = false
      cookies {
        forward = "none"
      }
    }
    function_association {
      event_type   = "viewer-request"
      function_arn = aws_cloudfront_function.not_found.arn
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = true
  }
}
