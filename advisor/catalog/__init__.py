"""Catalog stage: versioned tables with provenance, read through one loader."""

from advisor.catalog.loader import bundled_catalog_dir
from advisor.catalog.model import Catalog
from advisor.catalog.tables import SCHEMA_VERSION, TABLES

__all__ = ["SCHEMA_VERSION", "TABLES", "Catalog", "bundled_catalog_dir"]
