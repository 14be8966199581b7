"use strict";
// The shared contract, loaded from the repository's proto/ at run time, and request metrics
// for gRPC handlers.
const path = require("node:path");

const grpc = require("@grpc/grpc-js");
const protoLoader = require("@grpc/proto-loader");
const { metrics, ValueType } = require("@opentelemetry/api");

const PROTO_FILE = "commerce/v1/commerce.proto";

/** PROTO_DIR, or the repository's proto/ two folders above the service folder. */
function protoDir(env, serviceDir) {
  return path.resolve(serviceDir, env.PROTO_DIR || "../../proto");
}

/** int64 as decimal strings (exact), snake_case field names as in the .proto. */
const LOADER_OPTIONS = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

/** The `commerce.v1` package: service constructors and message types. */
function loadCommerce(dir) {
  const definition = protoLoader.loadSync(path.join(dir, PROTO_FILE), {
    ...LOADER_OPTIONS,
    includeDirs: [dir],
  });
  return grpc.loadPackageDefinition(definition).commerce.v1;
}

function serviceDefinition(pkg, name) {
  return pkg[name].service;
}

/** Request count and duration of a unary handler, by method and status code. */
function measured(service, method, handler) {
  const meter = metrics.getMeter("grpc-server");
  const requests = meter.createCounter("rpc.server.requests", { description: "gRPC requests handled" });
  const duration = meter.createHistogram("rpc.server.duration", {
    unit: "ms",
    valueType: ValueType.DOUBLE,
    description: "gRPC request duration",
  });
  return (call, callback) => {
    const started = performance.now();
    handler(call, (error, ...rest) => {
      const attributes = {
        "rpc.system": "grpc",
        "rpc.service": service,
        "rpc.method": method,
        "rpc.grpc.status_code": error ? (error.code ?? grpc.status.UNKNOWN) : grpc.status.OK,
      };
      requests.add(1, attributes);
      duration.record(performance.now() - started, attributes);
      callback(error, ...rest);
    });
  };
}

/** A gRPC error with a status code, as handlers pass to their callback. */
function grpcError(code, message) {
  return Object.assign(new Error(message), { code, details: message, metadata: new grpc.Metadata() });
}

module.exports = { LOADER_OPTIONS, PROTO_FILE, grpcError, loadCommerce, measured, protoDir, serviceDefinition };
