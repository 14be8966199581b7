"""Telemetry, JSON logs and gRPC serving that every Python service wires the same way."""
