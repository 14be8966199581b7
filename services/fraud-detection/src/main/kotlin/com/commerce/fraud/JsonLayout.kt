package com.commerce.fraud

import ch.qos.logback.classic.spi.ILoggingEvent
import ch.qos.logback.classic.spi.ThrowableProxyUtil
import ch.qos.logback.core.CoreConstants
import ch.qos.logback.core.LayoutBase
import io.opentelemetry.api.trace.Span
import java.time.Instant

/** One JSON object per log event, with the ids of the span current when logging. */
class JsonLayout : LayoutBase<ILoggingEvent>() {
    var service: String = "fraud-detection"

    override fun doLayout(event: ILoggingEvent): String {
        val fields =
            linkedMapOf(
                "time" to Instant.ofEpochMilli(event.timeStamp).toString(),
                "level" to event.level.toString().lowercase(),
                "service" to service,
                "logger" to event.loggerName,
                "message" to event.formattedMessage,
            )
        val span = Span.current().spanContext
        if (span.isValid) {
            fields["trace_id"] = span.traceId
            fields["span_id"] = span.spanId
        }
        event.throwableProxy?.let { fields["error"] = ThrowableProxyUtil.asString(it) }
        return fields.entries.joinToString(",", "{", "}") { "${quote(it.key)}:${quote(it.value)}" } +
            CoreConstants.LINE_SEPARATOR
    }

    companion object {
        fun quote(value: String): String =
            buildString {
                append('"')
                for (c in value) {
                    when {
                        c == '"' -> append("\\\"")
                        c == '\\' -> append("\\\\")
                        c == '\n' -> append("\\n")
                        c == '\r' -> append("\\r")
                        c == '\t' -> append("\\t")
                        c < ' ' -> append("\\u%04x".format(c.code))
                        else -> append(c)
                    }
                }
                append('"')
            }
    }
}
