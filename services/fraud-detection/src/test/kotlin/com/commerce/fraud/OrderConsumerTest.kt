package com.commerce.fraud

import io.opentelemetry.api.trace.SpanKind
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator
import io.opentelemetry.context.propagation.ContextPropagators
import io.opentelemetry.sdk.OpenTelemetrySdk
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter
import io.opentelemetry.sdk.trace.SdkTracerProvider
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor
import kotlin.test.Test
import kotlin.test.assertEquals

private const val TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
private const val PARENT_ID = "00f067aa0ba902b7"

/** A stream with one group: entries, what was delivered to this consumer but not acked, acks. */
class FakeStream : OrderStream {
    val entries = mutableListOf<StreamEntry>()
    val pending = mutableListOf<String>()
    val acked = mutableListOf<String>()
    private var delivered = 0

    fun add(fields: Map<String, ByteArray>) {
        entries += StreamEntry("${entries.size + 1}-0", fields)
    }

    override fun ensureGroup() = Unit

    override fun read(pending: Boolean): List<StreamEntry> {
        if (pending) return entries.filter { it.id in this.pending }
        val batch = entries.drop(delivered)
        delivered = entries.size
        this.pending += batch.map { it.id }
        return batch
    }

    override fun ack(id: String) {
        acked += id
        pending -= id
    }
}

class OrderConsumerTest {
    private val spans = InMemorySpanExporter.create()
    private val otel =
        OpenTelemetrySdk
            .builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build()
    private val stream = FakeStream()
    private val stats = Stats()
    private val consumer = OrderConsumer(stream, FraudRules(), stats, otel)

    private fun entry(order: io.commerce.proto.v1.OrderResult) =
        mapOf(
            "order" to order.toByteArray(),
            "traceparent" to "00-$TRACE_ID-$PARENT_ID-01".toByteArray(),
        )

    private fun drain() {
        while (consumer.poll() > 0) Unit
    }

    @Test
    fun `every order is assessed, counted and acked`() {
        stream.add(entry(order()))
        stream.add(entry(order(total = money("USD", 5_000))))
        drain()
        assertEquals(listOf("1-0", "2-0"), stream.acked)
        assertEquals(
            "{\"orders_seen\":2,\"orders_flagged\":1,\"entries_rejected\":0,\"flags_by_rule\":{\"large_total\":1}}",
            stats.toJson(),
        )
    }

    @Test
    fun `the consumer span continues the trace of the entry`() {
        stream.add(entry(order()))
        drain()
        val span = spans.finishedSpanItems.single()
        assertEquals(TRACE_ID, span.traceId)
        assertEquals(PARENT_ID, span.parentSpanId)
        assertEquals(SpanKind.CONSUMER, span.kind)
        assertEquals("orders process", span.name)
    }

    @Test
    fun `an undecodable entry is rejected and still acked`() {
        stream.add(mapOf("order" to byteArrayOf(-1, -1, -1)))
        stream.add(mapOf("note" to "no order".toByteArray()))
        drain()
        assertEquals(listOf("1-0", "2-0"), stream.acked)
        assertEquals(
            "{\"orders_seen\":0,\"orders_flagged\":0,\"entries_rejected\":2,\"flags_by_rule\":{}}",
            stats.toJson(),
        )
    }

    @Test
    fun `entries left pending by a previous run are assessed first`() {
        stream.add(entry(order()))
        stream.read(pending = false)
        assertEquals(listOf("1-0"), stream.pending)
        consumer.poll()
        assertEquals(listOf("1-0"), stream.acked)
        assertEquals(emptyList(), stream.pending)
    }
}
