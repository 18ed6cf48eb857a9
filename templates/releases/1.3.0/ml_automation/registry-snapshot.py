# =============================================================================
# REGISTRY SNAPSHOT AND LINEAGE
# =============================================================================

# Everything registered, read once with every problem found: what the registry views, the report
# and the lineage diagrams show (`ml-automation registry`, `registry lineage MODEL_ID`), and what the
# MLflow sync pushes. A project's code saves and loads through the library; these read it whole.

import os
from collections.abc import Sequence
from typing import Any, Optional


class _Snapshot:
    """Everything registered, read once from the read folders with every problem found; lookups are
    built once, so lineage of every model is linear in the number of entries."""

    def __init__(self, search_dirs: Dirs = None) -> None:
        self.folder = mlops_dir(search_dirs)
        # The journals first: an entry is journaled once its file is written, so each one read here is
        # in the files read next, unless it has been lost since.
        journals = {folder: _journal_entries(folder) for folder in _read_dirs(search_dirs)}
        models, model_damage = _read_lists("models", search_dirs)
        features, feature_damage = _read_lists("features", search_dirs)
        self.experiments, experiment_damage = _read_entry_files(EXPERIMENTS_DIR, "experiment_id", search_dirs)
        self.versions, version_damage = _read_entry_files(DATA_VERSIONS_DIR, "fingerprint", search_dirs)
        seen: set[Damage] = set()
        damage = [d for d in model_damage + feature_damage + experiment_damage + version_damage if not (d in seen or seen.add(d))]  # type: ignore[func-returns-value]
        self._index(models or [], features or [], damage)
        self.damage += self._unwritten(journals)

    def _unwritten(self, journals: dict[str, dict[tuple[str, str], tuple[str, Entry]]]) -> list[Damage]:
        """Entries a registry folder's journal records that no registry file holds any more."""
        held = {"models": self._models, "features": self._features, "experiments": self._experiments, "data_versions": self._versions}
        found = []
        for folder, journal in journals.items():
            for (kind, key), (at, _) in journal.items():
                if key not in held[kind]:
                    found.append(Damage(os.path.join(folder, JOURNAL_FILE), None, f"{kind[:-1].replace('_', ' ')} {key!r} (recorded {at[:19]}) is in no registry file "
                                        "(a hand edit, a merge, a deleted file?): `registry repair` brings it back"))
        return found

    @classmethod
    def of(cls, folder: str, models: list[Entry], features: list[Entry], experiments: list[Entry], versions: list[Entry],
           damage: Sequence[Damage] = ()) -> "_Snapshot":
        """A snapshot of entries read from elsewhere (e.g. an MLflow server), named `folder` in views."""
        snapshot = cls.__new__(cls)
        snapshot.folder, snapshot.experiments, snapshot.versions = folder, experiments, versions
        snapshot._index(models, features, list(damage))
        return snapshot

    def _index(self, models: list[Entry], features: list[Entry], damage: list[Damage]) -> None:
        self.models: list[Entry] = models
        self.features: list[Entry] = features
        self.damage: list[Damage] = damage
        self.champion = _champion_of(self.models)
        self._experiments = {e["experiment_id"]: e for e in self.experiments}
        self._versions = {v["fingerprint"]: v for v in self.versions}
        self._features = {f["feature_id"]: f for f in self.features}
        self._models = {m["model_id"]: m for m in self.models}

    def champion_unknown(self) -> list[Damage]:
        """The damage of the model registry when there is no readable champion: the champion may be
        an entry that cannot be read, so it is unknown rather than absent ([] otherwise)."""
        if self.champion is not None:
            return []
        return [d for d in self.damage if d.kind != "skipped" and os.path.basename(d.path) == MODEL_REGISTRY_FILE]

    def empty(self) -> bool:
        return not (self.models or self.features or self.experiments or self.versions)

    def status(self, model: Entry) -> str:
        """The model's status under the one-champion rule (see _champion_of)."""
        status = model.get("status")
        if status == "champion" and model is not self.champion:
            return "archived"
        return status if isinstance(status, str) else "?"

    def lineage(self, model: Entry, quick: Optional[bool] = None) -> dict[str, Any]:
        """The lineage of one registered model (see get_model_lineage); its artifact is hashed when
        it is the champion or `quick` is False, else only its size is compared."""
        gaps = []
        experiment_id = model.get("training_experiment_id")
        experiment = self._experiments.get(experiment_id) if isinstance(experiment_id, str) else None
        if not experiment_id:
            gaps.append("the model names no training_experiment_id")
        elif experiment is None:
            gaps.append(f"experiment {experiment_id} is not logged")
        fingerprint = model.get("data_fingerprint") or _as_dict(_as_dict(experiment).get("dataset")).get("fingerprint")
        data_version = self._versions.get(fingerprint) if isinstance(fingerprint, str) else None
        if not fingerprint:
            gaps.append("no data fingerprint on the model or its experiment")
        elif data_version is None:
            gaps.append(f"data version {fingerprint} is not recorded")
        feature_set = [str(name) for name in _as_list(model.get("feature_set"))]
        missing = [name for name in feature_set if name not in self._features]
        if not feature_set:
            gaps.append("the model lists no feature_set")
        elif missing:
            gaps.append(f"{len(missing)} of {len(feature_set)} features are not in the feature store: {_id_list(missing)}")
        lacking = missing_required_metrics(model.get("task_type"), model.get("metrics"))
        if lacking:
            gaps.append(f"required {model.get('task_type')} metrics missing: {', '.join(lacking)}")
        artifact = check_artifact(model, self.folder, model is not self.champion if quick is None else quick)
        if artifact["state"] in ("missing", "changed"):
            gaps.append(artifact["problem"])
        reproduction = _as_dict(model.get("reproduction"))
        if not reproduction:
            gaps.append("no reproduction facts (python, packages, git commit, seeds) recorded")
        return {
            "model": model,
            "experiment": experiment,
            "data_version": data_version,
            "features": [self._features[name] for name in feature_set if name in self._features],
            "missing_features": missing,
            "artifact": artifact,
            "reproduction": reproduction,
            "gaps": gaps,
            "complete": not gaps,
        }


def get_model_lineage(model_id: str, search_dirs: Dirs = None) -> dict[str, Any]:
    """Trace a model back to its data: returns a dict with `model`, `experiment` (or None),
    `data_version` (or None), `features` (registered entries of its feature_set),
    `missing_features`, `gaps` (what is missing, one sentence each) and `complete` (no gaps).
    Raises RegistryError when the model is not registered."""
    snapshot = _Snapshot(search_dirs)
    _warn_damage(snapshot.damage)
    model = next((m for m in snapshot.models if m.get("model_id") == model_id), None)
    if model is None:
        known = _id_list([str(m.get("model_id")) for m in snapshot.models]) if snapshot.models else "none"
        raise RegistryError(f"no model {model_id!r} in the registry (registered: {known})")
    return snapshot.lineage(model, quick=False)


def check_registry(search_dirs: Dirs = None) -> list[str]:
    """List every problem of the registry files as 'file:line: problem' (damaged files, entries kept
    as they are but not usable, skipped non-files); [] when all is well."""
    return [str(d) for d in _Snapshot(search_dirs).damage]
