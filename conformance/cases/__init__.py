"""Golden cases: the model (model.py), the file schema (schema.py), loading and validation
(files.py), writing one back (writer.py), the case files in golden/.
May import: oracle, paths, vocabulary."""

from conformance.cases.files import digest, load_all, load_file
from conformance.cases.model import Case, CaseError, Observed
from conformance.cases.schema import SCHEMA_VERSION
from conformance.cases.writer import to_toml
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
