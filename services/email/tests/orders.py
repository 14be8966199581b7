"""A small order, the same for every test that needs one."""

from __future__ import annotations

from commerce.v1 import commerce_pb2


def usd(units: int, nanos: int = 0) -> commerce_pb2.Money:
    return commerce_pb2.Money(currency_code="USD", units=units, nanos=nanos)


def order(street: str = "1600 Amphitheatre Parkway") -> commerce_pb2.OrderResult:
    return commerce_pb2.OrderResult(
        order_id="ord-42",
        shipping_tracking_id="TRK-7",
        shipping_cost=usd(8, 990_000_000),
        shipping_address=commerce_pb2.Address(
            street_address=street, city="Mountain View", state="CA", country="US", zip_code="94043"
        ),
        items=[
            commerce_pb2.OrderItem(
                item=commerce_pb2.CartItem(product_id="OLJCESPC7Z", quantity=2),
                cost=usd(19, 990_000_000),
            ),
            commerce_pb2.OrderItem(
                item=commerce_pb2.CartItem(product_id="66VCHSJNUP", quantity=1),
                cost=usd(349, 950_000_000),
            ),
        ],
        total=usd(398, 920_000_000),
        user_id="u-1",
        email="ada@example.com",
        transaction_id="tx-9",
    )
