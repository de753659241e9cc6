"""Lambda entry points: Powertools decorators and one call into a domain function."""
