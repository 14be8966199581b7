package com.commerce.fraud

import com.sun.net.httpserver.HttpExchange
import com.sun.net.httpserver.HttpServer
import java.net.InetSocketAddress
import java.util.concurrent.Executors

/** /healthz (the consumer thread lives), /readyz (Redis reachable, group in place), GET /stats. */
fun statusServer(
    port: Int,
    stats: Stats,
    alive: () -> Boolean,
    ready: () -> Boolean,
): HttpServer {
    val server = HttpServer.create(InetSocketAddress(port), 0)
    server.createContext("/healthz") { it.respond(if (alive()) 200 else 503, "{\"ok\":${alive()}}") }
    server.createContext("/readyz") { it.respond(if (ready()) 200 else 503, "{\"ok\":${ready()}}") }
    server.createContext("/stats") { it.respond(200, stats.toJson()) }
    server.executor = Executors.newFixedThreadPool(2)
    return server
}

private fun HttpExchange.respond(
    status: Int,
    json: String,
) {
    use {
        val body = if (requestMethod == "GET") json.toByteArray() else "{\"error\":\"GET only\"}".toByteArray()
        responseHeaders.add("Content-Type", "application/json")
        sendResponseHeaders(if (requestMethod == "GET") status else 405, body.size.toLong())
        responseBody.write(body)
    }
}
