//! The shipping service: prices a shipment through the quote service and hands out tracking ids.

pub mod quotes;
pub mod server;
pub mod service;
pub mod tracking;

/// Code generated from proto/commerce/v1/commerce.proto.
pub mod pb {
    #![allow(clippy::all, clippy::pedantic)]
    tonic::include_proto!("commerce.v1");
}
