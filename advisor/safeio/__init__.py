"""Safe file input and output, used by every stage that touches the file system.

* :mod:`~advisor.safeio.atomic`: the one atomic-write helper (``atomic_write_text(path, text)``).
* :mod:`~advisor.safeio.outset`: an output *set* (several files) switched in as a whole, under a
  lock, with a manifest of hashes.
* :mod:`~advisor.safeio.csvsafe`: CSV/XLSX cells neutralised against formula injection.
* :mod:`~advisor.safeio.paths`: safe folder names from user text, and regular-file checks for
  everything we read.
"""

from advisor.safeio.atomic import atomic_write_bytes, atomic_write_text
from advisor.safeio.csvsafe import csv_text, neutralise_cell, neutralise_frame
from advisor.safeio.outset import OutputSet, write_output_set
from advisor.safeio.paths import (
    UnsafePath,
    check_input_file,
    clip,
    read_input_bytes,
    safe_folder_name,
)

__all__ = [
    "OutputSet",
    "UnsafePath",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_input_file",
    "clip",
    "csv_text",
    "neutralise_cell",
    "neutralise_frame",
    "read_input_bytes",
    "safe_folder_name",
    "write_output_set",
]
