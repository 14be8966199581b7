output "vpc_id" {
  description = "ID of the VPC."
  value       = module.vpc.vpc_id
}

output "private_subnet_ids" {
  description = "Private subnets, where the cluster's nodes run."
  value       = module.vpc.private_subnets
}

output "public_subnet_ids" {
  description = "Public subnets, for NAT gateways and internet-facing load balancers only."
  value       = module.vpc.public_subnets
}
