//! Generates the gRPC server and client code from the repository's shared contract.
//!
//! protoc comes from the `protoc-bin-vendored` crate, so a build needs no system protoc.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The whole repository is mounted for a build, so the contract sits two folders up; PROTO_DIR
    // lets a build from elsewhere point at it.
    let proto_dir = std::env::var_os("PROTO_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../../proto"));
    let proto = proto_dir.join("commerce/v1/commerce.proto");
    println!("cargo:rerun-if-env-changed=PROTO_DIR");
    println!("cargo:rerun-if-changed={}", proto.display());

    let mut config = prost_build::Config::new();
    config.protoc_executable(protoc_bin_vendored::protoc_bin_path()?);
    tonic_prost_build::configure().compile_with_config(config, &[proto], &[proto_dir])?;
    Ok(())
}
