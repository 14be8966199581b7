package com.commerce.fraud

import java.net.ServerSocket
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** /metrics on METRICS_PORT: the consumer's own order metrics, and no endpoint without it. */
class TelemetryTest {
    private fun freePort() = ServerSocket(0).use { it.localPort }

    private fun scrape(port: Int): HttpResponse<String> =
        HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:$port/metrics")).build(),
            HttpResponse.BodyHandlers.ofString(),
        )

    @Test
    fun `an assessed order is counted in the Prometheus scrape`() {
        val port = freePort()
        telemetry(mapOf(METRICS_PORT to "$port", METRICS_HOST to "127.0.0.1"), "fraud-detection").use { otel ->
            val stream = FakeStream()
            stream.add(mapOf("order" to order().toByteArray()))
            val consumer = OrderConsumer(stream, FraudRules(), Stats(), otel)
            while (consumer.poll() > 0) Unit

            val response = scrape(port)

            assertEquals(200, response.statusCode())
            val contentType = response.headers().firstValue("Content-Type").orElse("")
            assertTrue(contentType.startsWith("text/plain"), contentType)
            val body = response.body()
            assertTrue("# TYPE fraud_orders_checked_total counter" in body, body)
            assertTrue(
                body.lines().any {
                    it.startsWith("fraud_orders_checked_total{") &&
                        "fraud_flagged=\"false\"" in it &&
                        it.substringAfterLast(' ').toDouble() == 1.0
                },
                body,
            )
        }
    }

    @Test
    fun `without METRICS_PORT no endpoint opens`() {
        assertNull(metricsAddress(emptyMap()))
        assertNull(metricsAddress(mapOf(METRICS_PORT to " ")))
    }

    @Test
    fun `the endpoint listens on every interface unless METRICS_HOST narrows it`() {
        assertEquals(MetricsAddress("0.0.0.0", 9464), metricsAddress(mapOf(METRICS_PORT to "9464")))
        assertEquals(
            MetricsAddress("127.0.0.1", 9464),
            metricsAddress(mapOf(METRICS_PORT to "9464", METRICS_HOST to "127.0.0.1")),
        )
    }

    @Test
    fun `a malformed METRICS_PORT is an error naming it`() {
        val error = assertFailsWith<IllegalArgumentException> { metricsAddress(mapOf(METRICS_PORT to "http")) }
        assertTrue(METRICS_PORT in error.message.orEmpty())
    }
}
