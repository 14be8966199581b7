package com.commerce.fraud

import kotlin.test.Test
import kotlin.test.assertEquals

class SupportTest {
    @Test
    fun `redis address defaults to the local server`() {
        assertEquals("127.0.0.1:6379", redisAddress(emptyMap()).toString())
        assertEquals("redis:6380", redisAddress(mapOf("REDIS_ADDR" to "redis:6380")).toString())
    }

    @Test
    fun `the service name wins over resource attributes`() {
        val attributes =
            resourceAttributes(
                mapOf("OTEL_RESOURCE_ATTRIBUTES" to "deployment.environment=local,service.name=x"),
                "fraud-detection",
            )
        assertEquals(
            "fraud-detection",
            attributes
                .asMap()
                .entries
                .first { it.key.key == "service.name" }
                .value,
        )
        assertEquals(
            "local",
            attributes
                .asMap()
                .entries
                .first { it.key.key == "deployment.environment" }
                .value,
        )
    }

    @Test
    fun `log values are JSON-escaped`() {
        assertEquals("\"a\\\"b\\\\c\\n\\u0001\"", JsonLayout.quote("a\"b\\c\n\u0001"))
    }
}
