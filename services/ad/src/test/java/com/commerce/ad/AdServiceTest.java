package com.commerce.ad;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.commerce.proto.v1.AdRequest;
import io.commerce.proto.v1.AdResponse;
import io.commerce.proto.v1.AdServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.opentelemetry.instrumentation.grpc.v1_6.GrpcTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.IOException;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** GetAds through a real (in-process) gRPC server, instrumented as in production. */
class AdServiceTest {
    private final InMemorySpanExporter spans = InMemorySpanExporter.create();
    private Server server;
    private ManagedChannel channel;

    @BeforeEach
    void start() throws IOException {
        OpenTelemetrySdk otel = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
            .build();
        AdService service = new AdService(AdCatalog.shop(), () -> new Random(1));
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor()
            .addService(ServerInterceptors.intercept(service,
                GrpcTelemetry.create(otel).createServerInterceptor()))
            .build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        server.shutdownNow();
    }

    private AdResponse getAds(String... keys) {
        return AdServiceGrpc.newBlockingStub(channel).getAds(
            AdRequest.newBuilder().addAllContextKeys(List.of(keys)).build());
    }

    @Test
    void contextualAdsComeFromTheCategory() {
        AdResponse response = getAds("kitchen");
        assertEquals(2, response.getAdsCount());
        assertTrue(response.getAds(0).getRedirectUrl().startsWith("/product/"));
    }

    @Test
    void anUnknownCategoryStillFillsTheSlot() {
        assertEquals(AdCatalog.FALLBACK_ADS, getAds("unknown").getAdsCount());
    }

    @Test
    void eachCallIsAServerSpan() {
        getAds("hair");
        List<SpanData> finished = spans.getFinishedSpanItems();
        assertEquals(1, finished.size());
        assertEquals("commerce.v1.AdService/GetAds", finished.get(0).getName());
    }
}
