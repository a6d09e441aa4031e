variable "region" {
  description = "AWS region for the buckets and the function."
  type        = string
  default     = "eu-west-1"
}

variable "name" {
  description = "Name of the function, its role and the buckets' prefix."
  type        = string
  default     = "gitfn"
}

variable "store_bucket" {
  description = "Bucket of the store (private repositories, .gitfn/ records). Never public."
  type        = string
}

variable "store_prefix" {
  description = "Key prefix of the store inside its bucket (gitfn.s3.prefix); the role may touch nothing else."
  type        = string
  default     = "git"
}

variable "published_bucket" {
  description = "Bucket of the published area: public repositories' dumb-HTTP files only, the CDN's origin."
  type        = string
}

variable "lambda_zip" {
  description = "The function package built by deploy/lambda/build-zip.sh."
  type        = string
  default     = "../target/gitfn-lambda.zip"
}

variable "web_adapter_layer_arn" {
  description = "AWS Lambda Web Adapter layer (x86_64). Check the newest version in the adapter's README."
  type        = string
  default     = "arn:aws:lambda:eu-west-1:753240598075:layer:LambdaAdapterLayerX86:25"
}

variable "memory_mb" {
  description = "Function memory. CPU grows with it; 2048 MB gives a pack build about 1.2 vCPU."
  type        = number
  default     = 2048
}

variable "timeout_seconds" {
  description = "Function timeout (Lambda's maximum is 900 s); gitfn's own request limit is set a minute below."
  type        = number
  default     = 900
}

variable "ephemeral_storage_mb" {
  description = "/tmp size: the repository cache lives there (gitfn.cache.max-bytes is set to 3/4 of it)."
  type        = number
  default     = 4096
}

variable "reserved_concurrency" {
  description = "Most environments at once. gitfn's per-client limits are per environment, so on Lambda this (and rate limiting at the CDN) is what bounds an attacker."
  type        = number
  default     = 50
}

variable "snap_start" {
  description = "SnapStart (published versions only; needs ephemeral storage <= 512 MB, so a small cache). Off: see the README."
  type        = bool
  default     = false
}

variable "admin_token" {
  description = "gitfn's bootstrap admin token, at least 32 characters (authentication must be on: the function URL is public)."
  type        = string
  sensitive   = true
}

variable "large_push_hint" {
  description = "What git is told when a push is too large for the function: where to push instead."
  type        = string
  default     = "this endpoint takes pushes up to 4 MB: push large files with Git LFS, or large histories through the Knative or Kubernetes endpoint"
}
