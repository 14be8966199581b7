package com.commerce.fraud

import org.slf4j.LoggerFactory
import redis.clients.jedis.DefaultJedisClientConfig
import redis.clients.jedis.HostAndPort
import redis.clients.jedis.JedisPooled
import java.net.InetAddress
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.concurrent.thread

private const val NAME = "fraud-detection"
private const val DEFAULT_PORT = 9090
private const val GRACE_MILLIS = 10_000L

/** Consumes `orders` from $REDIS_ADDR and serves /healthz, /readyz and /stats on $PORT. */
fun main() {
    val env = System.getenv()
    val log = LoggerFactory.getLogger("com.commerce.fraud.Main")
    val otel = telemetry(env, NAME)
    val redis = JedisPooled(redisAddress(env), DefaultJedisClientConfig.builder().socketTimeoutMillis(5_000).build())
    val stream =
        RedisOrderStream(
            redis,
            stream = env["ORDERS_STREAM"] ?: "orders",
            group = env["FRAUD_GROUP"] ?: NAME,
            consumer = env["FRAUD_CONSUMER"] ?: InetAddress.getLocalHost().hostName,
        )
    val stats = Stats()
    val consumer = OrderConsumer(stream, FraudRules(), stats, otel)
    val running = AtomicBoolean(true)
    val worker = thread(name = "orders-consumer") { consumer.run(running) }
    val port = env["PORT"]?.toInt() ?: DEFAULT_PORT
    val http = statusServer(port, stats, alive = worker::isAlive, ready = consumer.ready::get)
    http.start()
    log.info("listening on port {}", port)
    Runtime.getRuntime().addShutdownHook(
        Thread {
            log.info("shutting down")
            running.set(false)
            consumer.ready.set(false)
            worker.join(GRACE_MILLIS)
            http.stop(1)
            redis.close()
            otel.close()
        },
    )
}

/** REDIS_ADDR as host:port, 127.0.0.1:6379 by default. */
fun redisAddress(env: Map<String, String>): HostAndPort {
    val address = env["REDIS_ADDR"] ?: "127.0.0.1:6379"
    val host = address.substringBeforeLast(':').ifEmpty { "127.0.0.1" }
    return HostAndPort(host, address.substringAfterLast(':').toInt())
}
