"""A run of stages over services, as both front ends start it (see `assemble`)."""
