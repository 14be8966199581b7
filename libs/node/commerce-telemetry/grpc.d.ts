import type * as grpc from "@grpc/grpc-js";
import type * as protoLoader from "@grpc/proto-loader";

export const PROTO_FILE: string;

/** PROTO_DIR, or the repository's proto/ two folders above the service folder. */
export function protoDir(env: Readonly<Record<string, string | undefined>>, serviceDir: string): string;

/** int64 as decimal strings (exact), snake_case field names as in the .proto. */
export const LOADER_OPTIONS: protoLoader.Options;

/** The `commerce.v1` package: service constructors and message types. */
export function loadCommerce(dir: string): grpc.GrpcObject;

export function serviceDefinition(pkg: grpc.GrpcObject, name: string): grpc.ServiceDefinition;

/** Request count and duration of a unary handler, by method and status code. */
export function measured<Req, Res>(
  service: string,
  method: string,
  handler: grpc.handleUnaryCall<Req, Res>,
): grpc.handleUnaryCall<Req, Res>;

/** A gRPC error with a status code, as handlers pass to their callback. */
export function grpcError(code: grpc.status, message: string): grpc.ServiceError;
