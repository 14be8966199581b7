package com.commerce.ad;

import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.opentelemetry.instrumentation.grpc.v1_6.GrpcTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.io.IOException;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Serves the AdService with health, tracing and metrics; stops gracefully on SIGTERM/SIGINT. */
public final class Main {
    static final String NAME = "ad";
    static final int DEFAULT_PORT = 9555;
    private static final long GRACE_SECONDS = 10;
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);

    private Main() {
    }

    /** The server, not yet started: instrumented service plus the standard health service. */
    static Server build(int port, OpenTelemetrySdk otel, HealthStatusManager health) {
        AdService service = new AdService(AdCatalog.shop(), SecureRandom::new);
        GrpcTelemetry grpcTelemetry = GrpcTelemetry.create(otel);
        return ServerBuilder.forPort(port)
            .addService(ServerInterceptors.intercept(service, grpcTelemetry.createServerInterceptor()))
            .addService(health.getHealthService())
            .build();
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Map<String, String> env = System.getenv();
        int port = Integer.parseInt(env.getOrDefault("PORT", Integer.toString(DEFAULT_PORT)));
        OpenTelemetrySdk otel = Telemetry.create(env, NAME);
        HealthStatusManager health = new HealthStatusManager();
        Server server = build(port, otel, health).start();
        health.setStatus("", ServingStatus.SERVING);
        health.setStatus("commerce.v1.AdService", ServingStatus.SERVING);
        LOG.info("listening on port {}", server.getPort());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("shutting down");
            health.enterTerminalState();
            server.shutdown();
            try {
                if (!server.awaitTermination(GRACE_SECONDS, TimeUnit.SECONDS)) {
                    server.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            otel.close();
        }));
        server.awaitTermination();
    }
}
