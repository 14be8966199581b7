package com.commerce.fraud

import redis.clients.jedis.StreamEntryID
import redis.clients.jedis.UnifiedJedis
import redis.clients.jedis.exceptions.JedisDataException
import redis.clients.jedis.params.XReadGroupParams

/** One stream entry: its id and raw fields (the order is protobuf bytes, so nothing is decoded). */
class StreamEntry(
    val id: String,
    val fields: Map<String, ByteArray>,
)

/** The consumer-group operations the consumer needs; Redis in production, a fake in tests. */
interface OrderStream {
    fun ensureGroup()

    /** Own pending entries when [pending], else entries never delivered to the group. */
    fun read(pending: Boolean): List<StreamEntry>

    fun ack(id: String)
}

class RedisOrderStream(
    private val redis: UnifiedJedis,
    private val stream: String,
    private val group: String,
    private val consumer: String,
    private val batch: Int = 50,
    private val blockMillis: Int = 1_000,
) : OrderStream {
    override fun ensureGroup() {
        try {
            redis.xgroupCreate(stream, group, StreamEntryID(0, 0), true)
        } catch (error: JedisDataException) {
            if (error.message?.contains("BUSYGROUP") != true) throw error
        }
    }

    override fun read(pending: Boolean): List<StreamEntry> {
        val from = if (pending) StreamEntryID(0, 0) else StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY
        val params = XReadGroupParams.xReadGroupParams().count(batch).block(blockMillis)
        val result =
            redis.xreadGroupBinaryAsMap(
                group.toByteArray(),
                consumer.toByteArray(),
                params,
                mapOf(stream.toByteArray() to from),
            ) ?: return emptyList()
        return result.values.flatten().map { entry ->
            StreamEntry(entry.id.toString(), entry.fields.orEmpty().mapKeys { String(it.key) })
        }
    }

    override fun ack(id: String) {
        redis.xack(stream, group, StreamEntryID(id))
    }
}
