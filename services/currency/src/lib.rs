//! The currency service: converts money between the currencies in its rate table.

pub mod money;
pub mod rates;
pub mod server;
pub mod service;

/// Code generated from proto/commerce/v1/commerce.proto.
pub mod pb {
    #![allow(clippy::all, clippy::pedantic)]
    tonic::include_proto!("commerce.v1");
}
