"""The rule catalog."""

from trustwarden.rules.catalog import RULES, Rule, get_rule

__all__ = ["RULES", "Rule", "get_rule"]
