"""The import-linter contract type that holds the areas to each other's public module:
an area imports another area only through `app/<other>/api.py` (its one public module),
never the other's routes, ops, queries or parts. Used by `lint-imports` (pyproject.toml);
docs/architecture.md says why."""

from importlinter import Contract, ContractCheck, fields, output


class PublicModuleContract(Contract):
    """Options: `areas` (the area packages, e.g. app.clients), `public_module` (api)."""

    areas = fields.ListField(subfield=fields.StringField())
    public_module = fields.StringField(required=False, default="api")

    def _area_of(self, module: str, areas: list[str]) -> str | None:
        return next(
            (area for area in areas if module == area or module.startswith(area + ".")), None
        )

    def check(self, graph, verbose: bool) -> ContractCheck:
        areas = [str(area) for area in self.areas]
        public = str(self.public_module)
        broken = []
        for importer in sorted(graph.modules):
            own = self._area_of(importer, areas)
            if own is None:
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                other = self._area_of(imported, areas)
                if other is None or other == own or imported == f"{other}.{public}":
                    continue
                details = graph.get_import_details(importer=importer, imported=imported)
                line = details[0]["line_number"] if details else "?"
                broken.append((importer, imported, line))
        return ContractCheck(kept=not broken, metadata={"broken": broken, "public": public})

    def render_broken_contract(self, check: ContractCheck) -> None:
        public = check.metadata["public"]
        for importer, imported, line in check.metadata["broken"]:
            area = ".".join(imported.split(".")[:2])
            output.print_error(
                f"{importer} (line {line}) imports {imported}: use {area}.{public} instead",
                bold=False,
            )
        output.new_line()
