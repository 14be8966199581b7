"use strict";
const assert = require("node:assert/strict");
const path = require("node:path");
const { describe, it } = require("node:test");

const grpc = require("@grpc/grpc-js");

const { grpcError, measured, protoDir } = require("../grpc");

describe("protoDir", () => {
  it("defaults to the repository's proto/ two folders above the service", () => {
    assert.equal(protoDir({}, "/repo/services/quote"), path.resolve("/repo/proto"));
  });

  it("takes PROTO_DIR, relative to the service folder", () => {
    assert.equal(protoDir({ PROTO_DIR: "contract" }, "/srv/quote"), path.resolve("/srv/quote/contract"));
  });
});

describe("grpcError", () => {
  it("carries the status code and the message as details", () => {
    const error = grpcError(grpc.status.INVALID_ARGUMENT, "bad card");
    assert.equal(error.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(error.details, "bad card");
    assert.equal(error.message, "bad card");
  });
});

describe("measured", () => {
  it("passes the handler's reply through", async () => {
    const handler = measured("commerce.v1.QuoteService", "GetQuote", (call, callback) =>
      callback(null, { doubled: call.request.n * 2 }),
    );
    const reply = await new Promise((resolve) => handler({ request: { n: 21 } }, (...args) => resolve(args)));
    assert.deepEqual(reply, [null, { doubled: 42 }]);
  });

  it("passes the handler's error through", async () => {
    const error = grpcError(grpc.status.NOT_FOUND, "no such product");
    const handler = measured("commerce.v1.QuoteService", "GetQuote", (_call, callback) => callback(error));
    const [received] = await new Promise((resolve) => handler({ request: {} }, (...args) => resolve(args)));
    assert.equal(received, error);
  });
});
