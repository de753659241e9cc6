"""AWS CDK stacks of the IMS training refresh (one stack per stage; see docs/deploy.md)."""
