"""Accounting: totals per currency of every placed order, read from the `orders` stream."""
