package com.commerce.fraud

import io.commerce.proto.v1.Money
import io.commerce.proto.v1.OrderResult

/** Why an order looks suspicious; [code] names the rule in logs and statistics. */
data class Finding(
    val code: String,
    val detail: String,
)

/** The verdict on one order: flagged when any rule found something. */
data class Assessment(
    val orderId: String,
    val findings: List<Finding>,
) {
    val flagged: Boolean get() = findings.isNotEmpty()
}

/**
 * Simple, explainable rules: a large total, many items, a shipping country foreign to the currency
 * paid in, and no usable e-mail. Amounts are compared exactly, in nanos, never as floats.
 */
class FraudRules(
    private val largeTotalUnits: Map<String, Long> = LARGE_TOTAL_UNITS,
    private val defaultLargeTotalUnits: Long = 1_000,
    private val maxItems: Int = 20,
    private val currencyCountries: Map<String, Set<String>> = CURRENCY_COUNTRIES,
) {
    fun assess(order: OrderResult): Assessment {
        val findings =
            listOfNotNull(
                largeTotal(order.total),
                manyItems(order),
                mismatchedCountry(order),
                missingEmail(order),
            )
        return Assessment(order.orderId, findings)
    }

    private fun largeTotal(total: Money): Finding? {
        val limitUnits = largeTotalUnits[total.currencyCode] ?: defaultLargeTotalUnits
        return if (nanos(total) >= limitUnits * NANOS_PER_UNIT) {
            Finding("large_total", "total ${total.units} ${total.currencyCode} >= $limitUnits")
        } else {
            null
        }
    }

    private fun manyItems(order: OrderResult): Finding? {
        val quantity = order.itemsList.sumOf { it.item.quantity.toLong() }
        return if (quantity > maxItems) Finding("many_items", "$quantity items > $maxItems") else null
    }

    private fun mismatchedCountry(order: OrderResult): Finding? {
        val countries = currencyCountries[order.total.currencyCode] ?: return null
        val country =
            order.shippingAddress.country
                .trim()
                .uppercase()
        return if (country !in countries) {
            Finding("country_mismatch", "ships to '$country', pays in ${order.total.currencyCode}")
        } else {
            null
        }
    }

    private fun missingEmail(order: OrderResult): Finding? = if ('@' in order.email) null else Finding("no_email", "no usable e-mail")

    companion object {
        const val NANOS_PER_UNIT = 1_000_000_000L

        /** Money as one exact number of nanos (units and nanos share their sign). */
        fun nanos(money: Money): Long = Math.addExact(Math.multiplyExact(money.units, NANOS_PER_UNIT), money.nanos.toLong())

        val LARGE_TOTAL_UNITS: Map<String, Long> =
            mapOf("USD" to 1_000, "EUR" to 1_000, "GBP" to 800, "CAD" to 1_400, "JPY" to 150_000)

        val CURRENCY_COUNTRIES: Map<String, Set<String>> =
            mapOf(
                "USD" to setOf("US", "USA", "PR", "EC", "SV"),
                "EUR" to
                    setOf(
                        "AT",
                        "BE",
                        "CY",
                        "DE",
                        "EE",
                        "ES",
                        "FI",
                        "FR",
                        "GR",
                        "HR",
                        "IE",
                        "IT",
                        "LT",
                        "LU",
                        "LV",
                        "MT",
                        "NL",
                        "PT",
                        "SI",
                        "SK",
                    ),
                "GBP" to setOf("GB", "UK"),
                "JPY" to setOf("JP"),
                "CAD" to setOf("CA"),
            )
    }
}
