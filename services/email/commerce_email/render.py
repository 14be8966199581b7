"""The confirmation e-mail: subject and HTML body from the order, through one template.

Autoescaping is on: addresses and e-mails come from the shopper and end up in HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from commerce.v1 import commerce_pb2
from commerce_email.money import format_money

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE = "confirmation.html.j2"


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str


def money(value: commerce_pb2.Money) -> str:
    return format_money(value.currency_code, value.units, value.nanos)


def template_environment(folder: Path = TEMPLATES) -> Environment:
    env = Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = money
    return env


def render_confirmation(env: Environment, to: str, order: commerce_pb2.OrderResult) -> Email:
    if "@" not in to:
        raise ValueError(f"not an e-mail address: {to!r}")
    body = env.get_template(TEMPLATE).render(order=order, email=to)
    return Email(to=to, subject=f"Your order {order.order_id} is confirmed", body=body)
