"""Run-time settings: declared once (name, flag, environment variable, default, help), built once per
command or flow run from flags > environment > defaults, validated, and passed down.

Lower layers never read the environment: they take the values they need (a base IRI, a PaNET file, an
engine name) as arguments, so one run cannot mix two configurations (ckanext-dcat's config declaration and
Singer SDK's typed properties are the model).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from graph.iris import NodeIris
from harvesters.raw_store import RAW_STORE_FILE
from mappings.iris import DEFAULT_BASE_IRI
from mappings.panet import DEFAULT_PANET_URL
from shapes.quarantine import QUARANTINE_FILE
from shapes.validate import ENGINES

# Prefect runs offline here: no telemetry, no analytics (set before Prefect is imported).
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


class SettingsError(ValueError):
    """A setting has a value pan-kg cannot work with; the message names the flag and the variable."""


@dataclass(frozen=True)
class Declared:
    """One setting as users see it: the flag, the environment variable, the default and what it does."""

    flag: str
    env: str
    default: str
    help: str
    metavar: str | None = None


DECLARED: dict[str, Declared] = {
    "data_dir": Declared(
        "--data-dir",
        "PANKG_DATA_DIR",
        "data",
        "where everything is written: raw store, graph, reports, PaNET",
        "DIR",
    ),
    "sources_file": Declared("--sources", "PANKG_SOURCES", "sources.toml", "the sources registry", "FILE"),
    "base_iri": Declared(
        "--base-iri", "PANKG_BASE_IRI", DEFAULT_BASE_IRI, "base of every IRI pan-kg mints", "IRI"
    ),
    "panet": Declared(
        "--panet",
        "PANKG_PANET",
        DEFAULT_PANET_URL,
        "PaNET ontology (file or URL; a URL is downloaded once into DATA_DIR/panet/)",
        "PATH|URL",
    ),
    "shacl_engine": Declared(
        "--shacl-engine",
        "PANKG_SHACL_ENGINE",
        "pyshacl",
        "SHACL engine of the gate: pyshacl (the reference) or shacl (the same reports, ~20x faster)",
    ),
    "public_endpoint": Declared(
        "--public-endpoint",
        "PANKG_PUBLIC_ENDPOINT",
        "http://127.0.0.1:7878/query",
        "the SPARQL endpoint URL announced in the catalogue graph",
        "URL",
    ),
}


@dataclass(frozen=True)
class Settings:
    """Everything a run is configured by. Build with `Settings.build`; never read the environment below."""

    data_dir: Path = Path(DECLARED["data_dir"].default)
    sources_file: Path = Path(DECLARED["sources_file"].default)
    base_iri: str = DEFAULT_BASE_IRI
    panet: str = DEFAULT_PANET_URL
    shacl_engine: str = DECLARED["shacl_engine"].default
    public_endpoint: str = DECLARED["public_endpoint"].default
    # Derived from base_iri: the reserved graphs and node resources of this deployment.
    iris: NodeIris = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.shacl_engine not in ENGINES:
            raise SettingsError(
                f"{DECLARED['shacl_engine'].flag} / ${DECLARED['shacl_engine'].env}={self.shacl_engine!r}: "
                f"choose one of {', '.join(ENGINES)}"
            )
        if not self.base_iri.startswith(("http://", "https://")):
            raise SettingsError(
                f"{DECLARED['base_iri'].flag} / ${DECLARED['base_iri'].env}={self.base_iri!r}: "
                "must be an http(s) IRI"
            )
        object.__setattr__(self, "iris", NodeIris(self.base_iri))
        object.__setattr__(self, "base_iri", self.iris.base)

    @classmethod
    def build(
        cls, flags: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
    ) -> Settings:
        """Flags (None or absent = not given) > environment variables > defaults."""
        flags = flags or {}
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for name, declared in DECLARED.items():
            value = flags.get(name)
            if value is None or value == "":
                value = environ.get(declared.env) or declared.default
            values[name] = value
        return cls(
            data_dir=Path(values["data_dir"]),
            sources_file=Path(values["sources_file"]),
            base_iri=str(values["base_iri"]),
            panet=str(values["panet"]),
            shacl_engine=str(values["shacl_engine"]),
            public_endpoint=str(values["public_endpoint"]),
        )

    @classmethod
    def from_args(cls, args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> Settings:
        return cls.build({name: getattr(args, name, None) for name in DECLARED}, environ)

    def as_parameters(self) -> dict[str, str]:
        """Plain strings, for a Prefect flow run's parameters (a deployment stores them as JSON)."""
        return {f.name: str(getattr(self, f.name)) for f in fields(self) if f.init}

    # -- where things live in the data dir ------------------------------------------------------------

    @property
    def raw_store_path(self) -> Path:
        return raw_store_path(self.data_dir)

    @property
    def quarantine_path(self) -> Path:
        return quarantine_path(self.data_dir)


def raw_store_path(directory: Path) -> Path:
    return directory / RAW_STORE_FILE


def quarantine_path(directory: Path) -> Path:
    return directory / QUARANTINE_FILE


def add_setting_options(parser: argparse.ArgumentParser | argparse._ArgumentGroup, *names: str) -> None:
    """The declared flags (all of them by default), with help that names the variable and the default:
    every command takes the same common options."""
    for name in names or DECLARED:
        declared = DECLARED[name]
        extra: dict[str, Any] = {"choices": ENGINES} if name == "shacl_engine" else {}
        parser.add_argument(
            declared.flag,
            dest=name,
            metavar=declared.metavar,
            default=None,
            help=f"{declared.help} (default: ${declared.env}, else {declared.default})",
            **extra,
        )
