"""Scrapy commands sinacrawl adds or overrides (COMMANDS_MODULE)."""
