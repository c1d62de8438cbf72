"""What a ModelCar image says of itself: the model's source, revision and date, the base it was
built on, and an SPDX SBOM of every file under /models. Everything here comes from the inputs,
never from the clock, so the same model and base always give the same digests."""

import datetime
import json
from typing import Any, NamedTuple

from modelcar_tasks.lib.model_files import COMMIT, HUB_SOURCE, S3_SOURCE
from modelcar_tasks.lib.step_inputs import InputError, param_of, text

OCI = "org.opencontainers.image"
RFC3339_UTC = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?Z"
SBOM_TYPE = "application/spdx+json"
SBOM_CREATOR = "Tool: modelcar-dsl"


class ModelFile(NamedTuple):
    """A file of the image: its path in the image, size and sha256 (hex)."""

    name: str
    size: int
    sha256: str


class Provenance(NamedTuple):
    """Where the model and the base came from, as the build's inputs say."""

    source: str
    """hf://org/repo[@ref] or s3://bucket/prefix; empty when not given."""
    revision: str
    """The Hub commit the download resolved; empty for S3."""
    created: str
    """The commit's date (RFC 3339, UTC); empty when the source has none."""
    title: str
    version: str
    base_name: str
    base_digest: str

    @property
    def source_url(self) -> str:
        """The model repository as a browser opens it (hf:// on the public Hub)."""
        if self.source.startswith("hf://"):
            return "https://huggingface.co/" + self.source.removeprefix("hf://").split("@")[0]
        return self.source

    def annotations(self) -> dict[str, str]:
        """The OCI annotations of the image, which also serve as its labels: only what is true
        of the model image, so no label of the base (its name, version, vendor) survives."""
        values = {
            f"{OCI}.title": self.title,
            f"{OCI}.version": self.version,
            f"{OCI}.source": self.source_url,
            f"{OCI}.revision": self.revision,
            f"{OCI}.created": self.created,
            f"{OCI}.base.name": self.base_name,
            f"{OCI}.base.digest": self.base_digest,
            "name": self.title,
            "summary": f"ModelCar image of {self.title or 'a model'}: the model under /models",
        }
        return {key: value for key, value in values.items() if value}


def read_provenance(base_reference: str) -> Provenance:
    """The build's provenance inputs, each checked; `base_reference` is name@sha256:digest."""
    name, _, digest = base_reference.rpartition("@")
    return Provenance(
        source=text(
            "MODEL_SOURCE", f"|{HUB_SOURCE}|{S3_SOURCE}", "hf://org/repo[@ref] or s3://...", ""
        ),
        revision=text("MODEL_REVISION", r"|[\w./-]{1,255}", "a commit or revision", ""),
        created=moment("MODEL_CREATED"),
        title=text("MODEL_NAME", r"|[\w][\w .+-]{0,127}", "a model name", ""),
        version=text("MODEL_VERSION", r"|[\w][\w.+-]{0,127}", "a version name", ""),
        base_name=name,
        base_digest=digest,
    )


def moment(variable: str) -> str:
    """An RFC 3339 UTC time that is a real moment (no month 13), or empty."""
    value = text(variable, f"|{RFC3339_UTC}", "an RFC 3339 UTC time (2025-01-30T12:34:56Z)", "")
    try:
        if value:
            datetime.datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"{param_of(variable)} {value!r} is not a time that exists") from None
    return value


def spdx_sbom(
    provenance: Provenance, image_digest: str, platforms: list[str], files: list[ModelFile]
) -> bytes:
    """An SPDX 2.3 document: the image (by digest) contains the model at its revision, whose
    files are listed with their sha256, on top of the base image by digest."""
    model_name = provenance.source_url or "model"
    packages: list[dict[str, Any]] = [
        {
            "SPDXID": "SPDXRef-Image",
            "name": provenance.title or "modelcar",
            "versionInfo": image_digest,
            "downloadLocation": "NOASSERTION",
            "primaryPackagePurpose": "CONTAINER",
            "description": f"ModelCar image for {', '.join(platforms)}",
            "filesAnalyzed": False,
        },
        {
            "SPDXID": "SPDXRef-Model",
            "name": model_name,
            "versionInfo": provenance.revision or "NOASSERTION",
            "downloadLocation": _download_location(provenance),
            "primaryPackagePurpose": "OTHER",
            "filesAnalyzed": False,
        },
        {
            "SPDXID": "SPDXRef-Base",
            "name": provenance.base_name,
            "versionInfo": provenance.base_digest,
            "downloadLocation": "NOASSERTION",
            "primaryPackagePurpose": "CONTAINER",
            "filesAnalyzed": False,
        },
    ]
    purl = _purl(provenance)
    if purl:
        packages[1]["externalRefs"] = [
            {
                "referenceCategory": "PACKAGE-MANAGER",
                "referenceType": "purl",
                "referenceLocator": purl,
            }
        ]
    document = {
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": f"{provenance.title or 'modelcar'} {provenance.version}".strip(),
        "documentNamespace": f"https://spdx.org/spdxdocs/modelcar-{image_digest.split(':')[-1]}",
        "creationInfo": {
            "created": provenance.created or "1970-01-01T00:00:00Z",
            "creators": [SBOM_CREATOR],
        },
        "packages": packages,
        "files": [
            {
                "SPDXID": _file_id(index),
                "fileName": f"/{file.name}",
                "checksums": [{"algorithm": "SHA256", "checksumValue": file.sha256}],
                "comment": f"{file.size} bytes",
            }
            for index, file in enumerate(files)
        ],
        "relationships": [
            _relation("SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Image"),
            _relation("SPDXRef-Image", "CONTAINS", "SPDXRef-Model"),
            _relation("SPDXRef-Image", "DESCENDANT_OF", "SPDXRef-Base"),
            *(_relation("SPDXRef-Model", "CONTAINS", _file_id(i)) for i in range(len(files))),
        ],
    }
    return json.dumps(document, indent=1, sort_keys=True).encode() + b"\n"


def _file_id(index: int) -> str:
    return f"SPDXRef-File-{index + 1}"


def _relation(element: str, kind: str, related: str) -> dict[str, str]:
    return {"spdxElementId": element, "relationshipType": kind, "relatedSpdxElement": related}


def _download_location(provenance: Provenance) -> str:
    if provenance.source.startswith("hf://") and provenance.revision:
        return f"{provenance.source_url}/tree/{provenance.revision}"
    return provenance.source or "NOASSERTION"


def _purl(provenance: Provenance) -> str:
    """pkg:huggingface/org/repo@commit, the package URL type for Hub models."""
    if not provenance.source.startswith("hf://") or not COMMIT.fullmatch(provenance.revision):
        return ""
    repository = provenance.source.removeprefix("hf://").split("@")[0]
    return f"pkg:huggingface/{repository}@{provenance.revision}"
