package com.commerce.fraud

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertTrue

class FraudRulesTest {
    private val rules = FraudRules()

    private fun codes(order: io.commerce.proto.v1.OrderResult) = rules.assess(order).findings.map { it.code }

    @Test
    fun `an ordinary order is cleared`() {
        assertFalse(rules.assess(order()).flagged)
    }

    @Test
    fun `a total at the currency limit is large`() {
        assertEquals(listOf("large_total"), codes(order(total = money("USD", 1_000))))
    }

    @Test
    fun `one nano below the limit is not large`() {
        assertEquals(emptyList(), codes(order(total = money("USD", 999, 999_999_999))))
    }

    @Test
    fun `each currency has its own limit`() {
        assertEquals(emptyList(), codes(order(total = money("JPY", 100_000), country = "JP")))
        assertEquals(listOf("large_total"), codes(order(total = money("JPY", 150_000), country = "JP")))
    }

    @Test
    fun `an unknown currency uses the default limit and no country rule`() {
        assertEquals(listOf("large_total"), codes(order(total = money("CHF", 5_000), country = "CH")))
    }

    @Test
    fun `more than twenty items in total are many`() {
        assertEquals(emptyList(), codes(order(quantities = listOf(10, 10))))
        assertEquals(listOf("many_items"), codes(order(quantities = listOf(10, 11))))
    }

    @Test
    fun `a shipping country foreign to the currency is a mismatch`() {
        assertEquals(listOf("country_mismatch"), codes(order(total = money("EUR", 20), country = "US")))
        assertEquals(emptyList(), codes(order(total = money("EUR", 20), country = " fr ")))
    }

    @Test
    fun `an order without e-mail is flagged`() {
        assertEquals(listOf("no_email"), codes(order(email = "")))
    }

    @Test
    fun `every rule that fires is reported`() {
        val assessment = rules.assess(order(total = money("GBP", 900), country = "DE", quantities = listOf(30)))
        assertTrue(assessment.flagged)
        assertEquals(listOf("large_total", "many_items", "country_mismatch"), assessment.findings.map { it.code })
    }

    @Test
    fun `money converts to nanos exactly`() {
        assertEquals(-1_500_000_000L, FraudRules.nanos(money("USD", -1, -500_000_000)))
    }
}
