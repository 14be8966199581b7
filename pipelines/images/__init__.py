"""Service images: the recipe from a toolchain runtime, the input digest, build and push."""
