"""commerce-ci: the delivery engine of the commerce platform.

The top level reads as the pipeline: load the catalog, plan what changed, run the stages of each
affected service on an engine, then report. Each step lives in its own package.
"""

__version__ = "0.1.0"
