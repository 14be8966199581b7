package com.commerce.ad;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.commerce.proto.v1.Ad;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AdCatalogTest {
    private static final Ad MUG = ad("/p/mug", "Mug");
    private static final Ad JAR = ad("/p/jar", "Jar");
    private static final Ad SHIRT = ad("/p/shirt", "Shirt");
    private static final AdCatalog CATALOG = new AdCatalog(Map.of(
        "kitchen", List.of(MUG, JAR),
        "clothing", List.of(SHIRT)));

    private static Ad ad(String url, String text) {
        return Ad.newBuilder().setRedirectUrl(url).setText(text).build();
    }

    @Test
    void aKnownCategoryGetsItsAds() {
        assertEquals(List.of(MUG, JAR), CATALOG.select(List.of("kitchen"), new Random(1)));
    }

    @Test
    void categoriesAreMatchedWhateverTheirCase() {
        assertEquals(List.of(SHIRT), CATALOG.forContext(List.of(" Clothing ")));
    }

    @Test
    void severalCategoriesGiveEachAdOnceInContextOrder() {
        assertEquals(List.of(SHIRT, MUG, JAR), CATALOG.forContext(List.of("clothing", "kitchen", "clothing")));
    }

    @Test
    void anUnknownContextFallsBackToDistinctRandomAds() {
        List<Ad> ads = CATALOG.select(List.of("garden"), new Random(7));
        assertEquals(AdCatalog.FALLBACK_ADS, ads.size());
        assertEquals(ads.size(), new HashSet<>(ads).size());
        assertTrue(List.of(MUG, JAR, SHIRT).containsAll(ads));
    }

    @Test
    void anEmptyContextFallsBackToo() {
        assertEquals(AdCatalog.FALLBACK_ADS, CATALOG.select(List.of(), new Random(3)).size());
    }

    @Test
    void theFallbackIsReproducibleUnderTheSameSeed() {
        assertEquals(CATALOG.random(new Random(42), 2), CATALOG.random(new Random(42), 2));
    }

    @Test
    void theFallbackNeverAsksMoreThanTheCatalogHolds() {
        assertEquals(3, CATALOG.random(new Random(1), 10).size());
    }

    @Test
    void theShopCatalogHasAdsForTheKitchen() {
        assertTrue(!AdCatalog.shop().forContext(List.of("kitchen")).isEmpty());
    }
}
