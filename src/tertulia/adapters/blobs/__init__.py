"""Where file bytes live: adapters of the BlobStore port (a local directory; S3-compatible)."""
