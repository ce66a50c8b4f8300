"""Names the deployment tools accept, derived from advisor ids (which may hold ``_ . #``)."""

from __future__ import annotations

import hashlib
import re

DNS_LABEL_MAX = 63


def dns_label(*parts: str, max_len: int = DNS_LABEL_MAX) -> str:
    """An RFC 1123 label (``[a-z0-9]([-a-z0-9]*[a-z0-9])?``) from ``parts``; when characters
    had to be changed or cut, a short hash of the original keeps distinct ids distinct."""
    raw = "-".join(p for p in parts if p)
    label = re.sub(r"[^a-z0-9-]+", "-", raw.lower()).strip("-")
    label = re.sub(r"-{2,}", "-", label) or "unit"
    if not label[0].isalpha():
        label = f"u-{label}"
    if label != raw or len(label) > max_len:
        digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:6]
        label = f"{label[: max_len - 7].rstrip('-')}-{digest}"
    return label


def label_value(text: str) -> str:
    """A Kubernetes label value (<= 63 chars of ``[A-Za-z0-9._-]``, alphanumeric at both ends)."""
    value = re.sub(r"[^A-Za-z0-9._-]+", "-", text)[:DNS_LABEL_MAX].strip("-._")
    return value
