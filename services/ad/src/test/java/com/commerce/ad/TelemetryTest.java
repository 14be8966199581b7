package com.commerce.ad;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.commerce.proto.v1.AdRequest;
import io.commerce.proto.v1.AdServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Server;
import io.grpc.protobuf.services.HealthStatusManager;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** /metrics on METRICS_PORT: the server's own request metrics, and no endpoint without it. */
class TelemetryTest {
    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static HttpResponse<String> scrape(int port) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aGetAdsCallIsCountedInThePrometheusScrape() throws Exception {
        int metricsPort = freePort();
        Map<String, String> env = Map.of("METRICS_PORT", Integer.toString(metricsPort), "METRICS_HOST", "127.0.0.1");
        try (OpenTelemetrySdk otel = Telemetry.create(env, "ad")) {
            Server server = Main.build(0, otel, new HealthStatusManager()).start();
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.getPort())
                .usePlaintext().build();
            try {
                AdServiceGrpc.newBlockingStub(channel).getAds(AdRequest.newBuilder().addContextKeys("books").build());
            } finally {
                channel.shutdownNow();
                server.shutdownNow();
            }
            HttpResponse<String> response = scrape(metricsPort);
            assertEquals(200, response.statusCode());
            assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
            String body = response.body();
            assertTrue(body.contains("# TYPE rpc_server_duration_milliseconds histogram"), body);
            assertTrue(body.lines().anyMatch(line -> line.startsWith("rpc_server_duration_milliseconds_count{")
                && line.contains("rpc_method=\"GetAds\"") && line.endsWith("} 1")), body);
        }
    }

    @Test
    void withoutMetricsPortNoEndpointOpens() {
        assertEquals(Optional.empty(), Telemetry.metricsAddress(Map.of()));
        assertEquals(Optional.empty(), Telemetry.metricsAddress(Map.of("METRICS_PORT", " ")));
    }

    @Test
    void theEndpointListensOnEveryInterfaceUnlessNarrowed() {
        assertEquals(Optional.of(new Telemetry.MetricsAddress("0.0.0.0", 9464)),
            Telemetry.metricsAddress(Map.of("METRICS_PORT", "9464")));
        assertEquals(Optional.of(new Telemetry.MetricsAddress("127.0.0.1", 9464)),
            Telemetry.metricsAddress(Map.of("METRICS_PORT", "9464", "METRICS_HOST", "127.0.0.1")));
    }

    @Test
    void aMalformedMetricsPortIsAnErrorNamingIt() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
            () -> Telemetry.metricsAddress(Map.of("METRICS_PORT", "http")));
        assertTrue(error.getMessage().contains("METRICS_PORT"));
    }
}
