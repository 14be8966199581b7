from __future__ import annotations

from commerce_telemetry.telemetry import resource_attributes


def test_resource_attributes_are_parsed_and_default_the_service_name() -> None:
    env = {"OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=dev, team = shop ,junk"}
    assert resource_attributes(env, "email") == {
        "deployment.environment": "dev",
        "team": "shop",
        "service.name": "email",
    }


def test_otel_service_name_wins_over_the_attributes_and_the_default() -> None:
    env = {"OTEL_SERVICE_NAME": "mail", "OTEL_RESOURCE_ATTRIBUTES": "service.name=other"}
    assert resource_attributes(env, "email")["service.name"] == "mail"
