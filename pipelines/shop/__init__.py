"""A local run of the whole shop: every service built, started as a host process, wired together,
with Redis and an OTLP receiver collecting traces. `commerce-ci shop up` is the front door."""
