"""Golden cases: the model (model.py), the file schema (schema.py), loading, validation and writing
(files.py), the case files in golden/.
May import: oracle, paths, vocabulary."""

from conformance.cases.files import digest, load_all, load_file, to_toml
from conformance.cases.model import Case, CaseError, Observed
from conformance.cases.schema import SCHEMA_VERSION
from conformance.paths import CASES_DIR

__all__ = [
    "CASES_DIR",
    "SCHEMA_VERSION",
    "Case",
    "CaseError",
    "Observed",
    "digest",
    "load_all",
    "load_file",
    "to_toml",
]
