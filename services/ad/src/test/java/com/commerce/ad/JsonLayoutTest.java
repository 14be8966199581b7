package com.commerce.ad;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class JsonLayoutTest {
    private static String quoted(String value) {
        StringBuilder json = new StringBuilder();
        JsonLayout.quote(json, value);
        return json.toString();
    }

    @Test
    void quotesAndBackslashesAreEscaped() {
        assertEquals("\"say \\\"hi\\\" \\\\o/\"", quoted("say \"hi\" \\o/"));
    }

    @Test
    void controlCharactersAreEscaped() {
        assertEquals("\"a\\nb\\u0001\"", quoted("a\nb\u0001"));
    }
}
