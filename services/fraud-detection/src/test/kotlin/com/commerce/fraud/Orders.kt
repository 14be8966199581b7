package com.commerce.fraud

import io.commerce.proto.v1.Address
import io.commerce.proto.v1.CartItem
import io.commerce.proto.v1.Money
import io.commerce.proto.v1.OrderItem
import io.commerce.proto.v1.OrderResult

fun money(
    currency: String,
    units: Long,
    nanos: Int = 0,
): Money =
    Money
        .newBuilder()
        .setCurrencyCode(currency)
        .setUnits(units)
        .setNanos(nanos)
        .build()

/** An unremarkable order: 2 items, 49.98 USD, shipped to the US, with an e-mail. */
fun order(
    total: Money = money("USD", 49, 980_000_000),
    country: String = "US",
    quantities: List<Int> = listOf(2),
    email: String = "ada@example.com",
): OrderResult =
    OrderResult
        .newBuilder()
        .setOrderId("o-1")
        .setEmail(email)
        .setTotal(total)
        .setShippingAddress(Address.newBuilder().setCountry(country))
        .addAllItems(
            quantities.mapIndexed { i, q ->
                OrderItem.newBuilder().setItem(CartItem.newBuilder().setProductId("P$i").setQuantity(q)).build()
            },
        ).build()
