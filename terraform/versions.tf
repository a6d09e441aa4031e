terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.60"
    }
  }
}

provider "aws" {
  region = var.region
}

# CloudFront's origin access control and its certificates live in us-east-1's control plane;
# the distribution itself is global and needs no second provider.
