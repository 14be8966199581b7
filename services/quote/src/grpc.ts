// The shared contract, loaded from the repository's proto/ at run time, and request metrics
// for gRPC handlers.
import path from "node:path";

import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { metrics, ValueType } from "@opentelemetry/api";

export const PROTO_FILE = "commerce/v1/commerce.proto";

/** PROTO_DIR, or the repository's proto/ two folders above the service folder. */
export function protoDir(env: Readonly<Record<string, string | undefined>>, serviceDir: string): string {
  return path.resolve(serviceDir, env.PROTO_DIR || "../../proto");
}

/** int64 as decimal strings (exact), snake_case field names as in the .proto. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

export function loadCommerce(dir: string): grpc.GrpcObject {
  const definition = protoLoader.loadSync(path.join(dir, PROTO_FILE), {
    ...LOADER_OPTIONS,
    includeDirs: [dir],
  });
  const root = grpc.loadPackageDefinition(definition);
  return (root.commerce as grpc.GrpcObject).v1 as grpc.GrpcObject;
}

export function serviceDefinition(pkg: grpc.GrpcObject, name: string): grpc.ServiceDefinition {
  return (pkg[name] as grpc.ServiceClientConstructor).service;
}

/** Request count and duration of a unary handler, by method and status code. */
export function measured<Req, Res>(
  service: string,
  method: string,
  handler: grpc.handleUnaryCall<Req, Res>,
): grpc.handleUnaryCall<Req, Res> {
  const meter = metrics.getMeter("grpc-server");
  const requests = meter.createCounter("rpc.server.requests", { description: "gRPC requests handled" });
  const duration = meter.createHistogram("rpc.server.duration", {
    unit: "ms",
    valueType: ValueType.DOUBLE,
    description: "gRPC request duration",
  });
  return (call, callback) => {
    const started = performance.now();
    handler(call, (error, value, ...rest) => {
      const attributes = {
        "rpc.system": "grpc",
        "rpc.service": service,
        "rpc.method": method,
        "rpc.grpc.status_code": error ? (error.code ?? grpc.status.UNKNOWN) : grpc.status.OK,
      };
      requests.add(1, attributes);
      duration.record(performance.now() - started, attributes);
      callback(error, value, ...rest);
    });
  };
}

/** A gRPC error with a status code, as handlers pass to their callback. */
export function grpcError(code: grpc.status, message: string): grpc.ServiceError {
  return Object.assign(new Error(message), { code, details: message, metadata: new grpc.Metadata() });
}
