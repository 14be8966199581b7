"""Supply chain of an image: its SBOM, its provenance, its signature, and checking them."""
