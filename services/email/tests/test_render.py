from __future__ import annotations

import pytest

from commerce_email.render import render_confirmation, template_environment
from tests.orders import order

TEMPLATES = template_environment()


def test_subject_names_the_order() -> None:
    email = render_confirmation(TEMPLATES, "ada@example.com", order())
    assert email.subject == "Your order ord-42 is confirmed"
    assert email.to == "ada@example.com"


def test_body_lists_every_item_with_its_quantity_and_exact_cost() -> None:
    body = render_confirmation(TEMPLATES, "ada@example.com", order()).body
    assert "<td>OLJCESPC7Z</td><td>2</td><td>19.99 USD</td>" in body
    assert "<td>66VCHSJNUP</td><td>1</td><td>349.95 USD</td>" in body


def test_body_shows_shipping_total_and_tracking_id() -> None:
    body = render_confirmation(TEMPLATES, "ada@example.com", order()).body
    assert "Shipping: 8.99 USD" in body
    assert "Total: <strong>398.92 USD</strong>" in body
    assert "Tracking id: TRK-7" in body


def test_shopper_supplied_text_is_html_escaped() -> None:
    body = render_confirmation(TEMPLATES, "ada@example.com", order("<script>x</script>")).body
    assert "<script>" not in body
    assert "&lt;script&gt;x&lt;/script&gt;" in body


def test_an_address_without_at_sign_is_refused() -> None:
    with pytest.raises(ValueError, match="not an e-mail address"):
        render_confirmation(TEMPLATES, "nobody", order())
