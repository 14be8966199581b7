package com.commerce.fraud

import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicLong

/** Counters the consumer writes and GET /stats reads, from different threads. */
class Stats {
    private val seen = AtomicLong()
    private val flagged = AtomicLong()
    private val rejected = AtomicLong()
    private val byRule = ConcurrentHashMap<String, AtomicLong>()

    fun record(assessment: Assessment) {
        seen.incrementAndGet()
        if (assessment.flagged) flagged.incrementAndGet()
        assessment.findings.forEach { byRule.computeIfAbsent(it.code) { AtomicLong() }.incrementAndGet() }
    }

    fun reject() {
        rejected.incrementAndGet()
    }

    fun toJson(): String {
        val rules = byRule.entries.sortedBy { it.key }.joinToString(",") { "\"${it.key}\":${it.value.get()}" }
        return "{\"orders_seen\":${seen.get()},\"orders_flagged\":${flagged.get()}," +
            "\"entries_rejected\":${rejected.get()},\"flags_by_rule\":{$rules}}"
    }
}
