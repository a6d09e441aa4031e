output "function_url" {
  description = "gitfn's smart-HTTP base URL: git clone <function_url><repo>.git"
  value       = aws_lambda_function_url.gitfn.function_url
}

output "clone_url_example" {
  description = "Smart HTTP clone of team/app through the function."
  value       = "${aws_lambda_function_url.gitfn.function_url}team/app.git"
}

output "published_base_url" {
  description = "Dumb-HTTP base URL of public repositories: git clone <published_base_url>/<repo>.git"
  value       = "https://${aws_cloudfront_distribution.published.domain_name}"
}
