package com.commerce.ad;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import java.time.Instant;

/** One JSON object per log event, with the trace and span ids of the span current when logging. */
public final class JsonLayout extends LayoutBase<ILoggingEvent> {
    private String service = "ad";

    public void setService(String service) {
        this.service = service;
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder json = new StringBuilder(256).append('{');
        field(json, "time", Instant.ofEpochMilli(event.getTimeStamp()).toString());
        field(json, "level", event.getLevel().toString().toLowerCase(java.util.Locale.ROOT));
        field(json, "service", service);
        field(json, "logger", event.getLoggerName());
        field(json, "message", event.getFormattedMessage());
        SpanContext span = Span.current().getSpanContext();
        if (span.isValid()) {
            field(json, "trace_id", span.getTraceId());
            field(json, "span_id", span.getSpanId());
        }
        if (event.getThrowableProxy() != null) {
            field(json, "error", ThrowableProxyUtil.asString(event.getThrowableProxy()));
        }
        json.setLength(json.length() - 1);
        return json.append('}').append(CoreConstants.LINE_SEPARATOR).toString();
    }

    private static void field(StringBuilder json, String name, String value) {
        json.append('"').append(name).append("\":");
        quote(json, value);
        json.append(',');
    }

    static void quote(StringBuilder json, String value) {
        json.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        json.append('"');
    }
}
