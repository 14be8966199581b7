"""Product recommendations: up to five catalog products the shopper is not looking at already."""
