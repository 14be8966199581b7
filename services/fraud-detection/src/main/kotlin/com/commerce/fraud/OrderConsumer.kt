package com.commerce.fraud

import com.google.protobuf.InvalidProtocolBufferException
import io.commerce.proto.v1.OrderResult
import io.opentelemetry.api.OpenTelemetry
import io.opentelemetry.api.common.AttributeKey
import io.opentelemetry.api.common.Attributes
import io.opentelemetry.api.trace.SpanKind
import io.opentelemetry.api.trace.StatusCode
import io.opentelemetry.context.Context
import io.opentelemetry.context.propagation.TextMapGetter
import org.slf4j.LoggerFactory
import java.util.concurrent.atomic.AtomicBoolean

/**
 * Reads `orders` through the fraud-detection group: pending entries of a previous run first, then
 * new ones. Each entry is assessed inside a consumer span that continues the checkout's trace, and
 * acked, also when it cannot be decoded (logged and counted, so it cannot block the group).
 */
class OrderConsumer(
    private val stream: OrderStream,
    private val rules: FraudRules,
    private val stats: Stats,
    private val otel: OpenTelemetry,
    private val streamName: String = "orders",
) {
    private val log = LoggerFactory.getLogger(OrderConsumer::class.java)
    private val tracer = otel.getTracer("com.commerce.fraud")
    private val meter = otel.getMeter("com.commerce.fraud")
    private val checkedCounter =
        meter
            .counterBuilder("fraud.orders.checked")
            .setUnit("{order}")
            .setDescription("Orders assessed, by outcome")
            .build()
    private val flaggedCounter = meter.counterBuilder("fraud.orders.flagged").build()
    private var pending = true
    val ready = AtomicBoolean(false)

    /** One read round; returns how many entries were handled. */
    fun poll(): Int {
        var entries = stream.read(pending)
        if (pending && entries.isEmpty()) {
            pending = false
            entries = stream.read(pending)
        }
        entries.forEach(::handle)
        return entries.size
    }

    fun handle(entry: StreamEntry) {
        val parent = otel.propagators.textMapPropagator.extract(Context.root(), entry.fields, FieldGetter)
        val span =
            tracer
                .spanBuilder("$streamName process")
                .setParent(parent)
                .setSpanKind(SpanKind.CONSUMER)
                .setAttribute(AttributeKey.stringKey("messaging.system"), "redis")
                .setAttribute(AttributeKey.stringKey("messaging.destination.name"), streamName)
                .setAttribute(AttributeKey.stringKey("messaging.message.id"), entry.id)
                .startSpan()
        try {
            span.makeCurrent().use { assess(entry) }
        } catch (error: InvalidProtocolBufferException) {
            reject(entry, error.message ?: "not an OrderResult", span)
        } catch (error: IllegalArgumentException) {
            reject(entry, error.message ?: "malformed entry", span)
        } finally {
            stream.ack(entry.id)
            span.end()
        }
    }

    private fun assess(entry: StreamEntry) {
        val payload = requireNotNull(entry.fields["order"]) { "entry has no `order` field" }
        val assessment = rules.assess(OrderResult.parseFrom(payload))
        stats.record(assessment)
        checkedCounter.add(1, Attributes.of(FLAGGED, assessment.flagged))
        if (assessment.flagged) {
            flaggedCounter.add(1)
            val reasons = assessment.findings.joinToString("; ") { "${it.code}: ${it.detail}" }
            log.warn("order flagged: order_id={} reasons=[{}]", assessment.orderId, reasons)
        } else {
            log.info("order cleared: order_id={}", assessment.orderId)
        }
    }

    private fun reject(
        entry: StreamEntry,
        reason: String,
        span: io.opentelemetry.api.trace.Span,
    ) {
        stats.reject()
        span.setStatus(StatusCode.ERROR, reason)
        log.error("order entry rejected: entry_id={} reason={}", entry.id, reason)
    }

    /** Polls until [running] turns false; a Redis failure makes the service unready until it heals. */
    fun run(running: AtomicBoolean) {
        while (running.get()) {
            try {
                if (!ready.get()) {
                    stream.ensureGroup()
                    ready.set(true)
                    log.info("consuming stream {}", streamName)
                }
                poll()
            } catch (error: RuntimeException) {
                if (ready.getAndSet(false)) log.warn("redis failed: {}", error.message)
                Thread.sleep(RETRY_MILLIS)
            }
        }
    }

    private object FieldGetter : TextMapGetter<Map<String, ByteArray>> {
        override fun keys(carrier: Map<String, ByteArray>): Iterable<String> = carrier.keys

        override fun get(
            carrier: Map<String, ByteArray>?,
            key: String,
        ): String? = carrier?.get(key)?.let { String(it) }
    }

    companion object {
        const val RETRY_MILLIS = 1_000L
        private val FLAGGED = AttributeKey.booleanKey("fraud.flagged")
    }
}
