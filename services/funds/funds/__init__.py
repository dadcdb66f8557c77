"""Backstop funds (资金项目)."""
