"""Integrations that run trustwarden inside other systems (AWS Config custom rules)."""
