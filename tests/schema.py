"""tests/schema.py SCHEMA DOCUMENT...: validate each JSON document against
the JSON Schema SCHEMA with python3-jsonschema (Debian's), as published:
the schemas it refers to by file name ($ref) are read from SCHEMA's
directory, never fetched. One line per error on standard error,
"DOCUMENT: PATH: message"; exit 1 on any error, 2 on a schema that is no
JSON Schema.
"""
import json
import os
import sys
from urllib.parse import urljoin

import jsonschema


def load(path):
    with open(path, encoding="utf-8", errors="strict") as f:
        return json.load(f)


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: schema.py SCHEMA DOCUMENT...")
    path = sys.argv[1]
    schema = load(path)
    base = schema.get("$id", "file://" + os.path.abspath(path))
    # Every schema beside it, by the $id it declares and by the URI a
    # $ref of SCHEMA names it with.
    store = {}
    here = os.path.dirname(os.path.abspath(path))
    for name in sorted(os.listdir(here)):
        if not name.endswith(".json"):
            continue
        try:
            other = load(os.path.join(here, name))
        except ValueError:
            continue
        if isinstance(other, dict):
            store[urljoin(base, name)] = other
            if "$id" in other:
                store[other["$id"]] = other
    cls = jsonschema.validators.validator_for(schema)
    try:
        cls.check_schema(schema)
    except jsonschema.exceptions.SchemaError as e:
        print("%s: not a JSON Schema: %s" % (path, e.message), file=sys.stderr)
        sys.exit(2)
    validator = cls(schema, resolver=jsonschema.RefResolver(base, schema, store=store))
    bad = 0
    for doc in sys.argv[2:]:
        for e in sorted(validator.iter_errors(load(doc)), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(p) for p in e.absolute_path) or "(document)"
            print("%s: %s: %s" % (doc, where, e.message[:300]), file=sys.stderr)
            bad = 1
    sys.exit(bad)


main()
