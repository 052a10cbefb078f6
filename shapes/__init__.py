"""The validation gate: SHACL shapes by severity (core / recommended / pan .ttl), batch validation with
per-record attribution (validate), the quarantine (quarantine), the quality report (report), RDF files as
records (files) and the `pankg validate / quarantine / report` commands (cli)."""
