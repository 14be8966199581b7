package com.commerce.ad;

import io.commerce.proto.v1.Ad;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Ads by product category. A request whose context names known categories gets their ads; any other
 * request still gets a few ads, drawn at random, so that an ad slot is never left empty.
 */
public final class AdCatalog {
    /** Ads returned when the context matches no category. */
    public static final int FALLBACK_ADS = 2;

    private final Map<String, List<Ad>> byCategory;
    private final List<Ad> all;

    public AdCatalog(Map<String, List<Ad>> byCategory) {
        this.byCategory = Map.copyOf(byCategory);
        List<Ad> every = new ArrayList<>();
        byCategory.values().forEach(every::addAll);
        this.all = List.copyOf(every);
    }

    /** The ads of every category named in the context, each ad once, in context order. */
    public List<Ad> forContext(Collection<String> contextKeys) {
        Set<Ad> ads = new LinkedHashSet<>();
        for (String key : contextKeys) {
            ads.addAll(byCategory.getOrDefault(key.trim().toLowerCase(Locale.ROOT), List.of()));
        }
        return List.copyOf(ads);
    }

    /** Up to {@code count} distinct ads drawn from the whole catalog. */
    public List<Ad> random(Random random, int count) {
        List<Ad> pool = new ArrayList<>(all);
        List<Ad> picked = new ArrayList<>();
        while (picked.size() < count && !pool.isEmpty()) {
            picked.add(pool.remove(random.nextInt(pool.size())));
        }
        return picked;
    }

    /** The contextual ads, or the random fallback when there are none. */
    public List<Ad> select(Collection<String> contextKeys, Random random) {
        List<Ad> ads = forContext(contextKeys);
        return ads.isEmpty() ? random(random, FALLBACK_ADS) : ads;
    }

    /** The shop's ads, keyed by the product categories of the catalog. */
    public static AdCatalog shop() {
        return new AdCatalog(Map.of(
            "clothing", List.of(ad("/product/66VCHSJNUP", "Tank top for sale. 20% off.")),
            "accessories", List.of(ad("/product/1YMWWN1N4O", "Watch for sale. Buy one, get second kit for free")),
            "footwear", List.of(ad("/product/L9ECAV7KIM", "Loafers for sale. Buy one, get second one for free")),
            "hair", List.of(ad("/product/2ZYFJ3GM2N", "Hairdryer for sale. 50% off.")),
            "decor", List.of(ad("/product/0PUK6V6EV0", "Candle holder for sale. 30% off.")),
            "kitchen", List.of(
                ad("/product/9SIQT8TOJO", "Bamboo glass jar for sale. 10% off."),
                ad("/product/6E92ZMYYFZ", "Mug for sale. Buy two, get third one for free"))));
    }

    private static Ad ad(String url, String text) {
        return Ad.newBuilder().setRedirectUrl(url).setText(text).build();
    }
}
