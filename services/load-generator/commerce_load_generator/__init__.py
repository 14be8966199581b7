"""Load generator: Locust users walking the shop's JSON API like shoppers do."""
