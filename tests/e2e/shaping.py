"""How the fuzz run shapes each case schemathesis generates before it is sent, so that it
reaches past the first check: real ids in the path and body most of the time, fresh values
for what must be unique (usernames, slugs, channel names), a string field at its longest in
characters that grow when normalised or lowercased (what overflows a `varchar(n)` column
on PostgreSQL and not on SQLite), long browser names and forwarded addresses where a
session records them, a real signed link for downloads, and who is calling.
A part of the case that schemathesis made invalid on purpose is left as it is."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from schemathesis import Case
from schemathesis.core.parameters import ParameterLocation

from tests.e2e.world import World

REAL = 0.85  # how often an id addresses a real thing rather than a made-up one
# characters that take more room than they seem to: two and four UTF-8 bytes, one that
# lowercases to two characters, ligatures casefolding/NFKC expand, one NFC decomposes
LONG_CHARACTERS = ("x", "é", "😀", "İ", "ﬃ", "ß", "\u0958", "ǅ", "ﬀ")
HEADER_CHARACTERS = [chr(c) for c in (*range(0x21, 0x7F), *range(0xA0, 0x100)) if chr(c) != ","]
STRETCH = 0.4  # how often one string field is sent at its longest


@dataclass
class Shaper:
    """Shapes the cases of one run (deterministically: its choices come from one seed)."""

    world: World
    spec: dict[str, Any]
    rng: random.Random = field(default_factory=lambda: random.Random(13))

    def __call__(self, case: Case) -> Case:
        meta = case.meta
        method, path = case.operation.method.upper(), case.operation.path

        def valid(location: ParameterLocation) -> bool:
            return not (meta is not None and meta.is_negative_at(location))

        if case.path_parameters and valid(ParameterLocation.PATH):
            chosen: dict[str, str] = {}
            for name, generated in list(case.path_parameters.items()):
                # schemathesis reuses ids it saw in answers: a change that would spoil the
                # world's own (Ana leaving her workspace) gets a thing of its own instead
                if self.rng.random() < REAL or self.world.holds(generated):
                    value = self.world.fresh(method, path, name, chosen) or self.world.real(
                        name, self.rng
                    )
                    if value is not None:
                        case.path_parameters[name] = chosen[name] = value
        if isinstance(case.body, dict) and valid(ParameterLocation.BODY):
            self.world.fill_body(case.body, self.rng, REAL)
            self.world.fresh_unique(case.body, self.rng)
            self._stretch(case.body, self._body_strings(method, path))
        if isinstance(case.query, dict) and valid(ParameterLocation.QUERY):
            self._stretch(case.query, self._query_strings(method, path))
            if path.startswith("/api/v1/files/{file_id}/") and self.rng.random() < 0.5:
                link = self.world.signed(case.formatted_path)
                if link is not None:
                    case.query.update(link)
        if path.startswith("/api/v1/auth/") and self.rng.random() < 0.5:
            # what a session records of its client: any browser name, any address (a proxy
            # we trust, here ourselves, forwards it)
            case.headers = {
                **(case.headers or {}),
                "User-Agent": self._header_text(self.rng.randint(200, 3000)),
                "X-Forwarded-For": self._header_text(self.rng.randint(50, 500)),
            }
        token = self.world.ana.token
        if path == "/api/v1/auth/logout":
            token = self.world.login(self.world.leo.username).token  # someone else's to end
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}
        return case

    def _stretch(self, values: dict[str, Any], limits: dict[str, int]) -> None:
        """Now and then, one string field at its longest (in characters)."""
        if limits and self.rng.random() < STRETCH:
            name = self.rng.choice(sorted(limits))
            pool = self.rng.sample(LONG_CHARACTERS, 2)
            values[name] = "".join(self.rng.choice(pool) for _ in range(limits[name]))

    def _header_text(self, length: int) -> str:
        """Text a header may carry: visible ASCII and Latin-1, no separators of ours, and
        not starting with a no-break space (the client refuses a value that starts with
        what Unicode calls whitespace)."""
        text = "".join(self.rng.choice(HEADER_CHARACTERS) for _ in range(length))
        return text.lstrip("\xa0") or "x"

    def _body_strings(self, method: str, path: str) -> dict[str, int]:
        """The JSON body's plain string fields (no pattern, format or enum): their maxLength."""
        content = self.spec["paths"][path][method.lower()].get("requestBody", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema", {})
        ref = schema.get("$ref", "")
        if ref:
            schema = self.spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
        return _plain_strings(schema.get("properties", {}))

    def _query_strings(self, method: str, path: str) -> dict[str, int]:
        parameters = self.spec["paths"][path][method.lower()].get("parameters", [])
        return _plain_strings({p["name"]: p["schema"] for p in parameters if p["in"] == "query"})


def _plain_strings(properties: dict[str, Any]) -> dict[str, int]:
    found = {}
    for name, schema in properties.items():
        options = schema.get("anyOf", [schema])
        for option in options:
            if (
                option.get("type") == "string"
                and "maxLength" in option
                and not {"pattern", "format", "enum"} & set(option)
            ):
                found[name] = int(option["maxLength"])
    return found
