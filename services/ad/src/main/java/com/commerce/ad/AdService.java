package com.commerce.ad;

import io.commerce.proto.v1.Ad;
import io.commerce.proto.v1.AdRequest;
import io.commerce.proto.v1.AdResponse;
import io.commerce.proto.v1.AdServiceGrpc;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The AdService of the shared contract over an {@link AdCatalog}. */
public final class AdService extends AdServiceGrpc.AdServiceImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(AdService.class);

    private final AdCatalog catalog;
    private final Supplier<Random> random;

    public AdService(AdCatalog catalog, Supplier<Random> random) {
        this.catalog = catalog;
        this.random = random;
    }

    @Override
    public void getAds(AdRequest request, StreamObserver<AdResponse> responses) {
        List<Ad> ads = catalog.select(request.getContextKeysList(), random.get());
        LOG.info("ads served: context={} count={}", request.getContextKeysList(), ads.size());
        responses.onNext(AdResponse.newBuilder().addAllAds(ads).build());
        responses.onCompleted();
    }
}
