"""JSON schemas of the custom resources the manifests use, for offline validation.

kubernetes-validate ships the schemas of Kubernetes' own kinds only. These are written here from
the CloudNativePG API reference (postgresql.cnpg.io/v1: Cluster, ScheduledBackup) and the Barman
Cloud plugin's (barmancloud.cnpg.io/v1: ObjectStore), restricted to the fields the manifests use and
closed (``additionalProperties: false``), so a misspelt or misplaced field fails the test instead of
being silently ignored by the operator. A field added to the manifests must be added here, after
checking it in the operator's reference.
"""

from __future__ import annotations

from typing import Any


def _closed(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required), "additionalProperties": False}


_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
_QUANTITY = {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti)?$"}
_RESOURCES = _closed({
    "requests": _closed({"cpu": _QUANTITY, "memory": _QUANTITY}),
    "limits": _closed({"cpu": _QUANTITY, "memory": _QUANTITY}),
})
_METADATA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "maxLength": 63},
        "namespace": {"type": "string"},
        "labels": _STRING_MAP,
        "annotations": _STRING_MAP,
    },
    "required": ["name"],
}
_SECRET_KEY = _closed({"name": {"type": "string"}, "key": {"type": "string"}}, ("name", "key"))
_PLUGIN_NAME = "barman-cloud.cloudnative-pg.io"


def _resource(api_version: str, kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    return _closed({
        "apiVersion": {"const": api_version},
        "kind": {"const": kind},
        "metadata": _METADATA,
        "spec": spec,
    }, ("apiVersion", "kind", "metadata", "spec"))


CLUSTER = _resource("postgresql.cnpg.io/v1", "Cluster", _closed({
    "instances": {"type": "integer", "minimum": 1},
    "imageName": {"type": "string", "pattern": r"^[^:@]+:[0-9]+\.[0-9]+[-\w.]*$"},
    "primaryUpdateStrategy": {"enum": ["unsupervised", "supervised"]},
    "enableSuperuserAccess": {"type": "boolean"},
    "bootstrap": _closed({
        "initdb": _closed({"database": {"type": "string"}, "owner": {"type": "string"}}, ("database", "owner")),
    }),
    "postgresql": _closed({
        "parameters": _STRING_MAP,
        "synchronous": _closed({"method": {"enum": ["any", "first"]}, "number": {"type": "integer", "minimum": 1}},
                               ("method", "number")),
    }),
    "storage": _closed({"size": _QUANTITY, "storageClass": {"type": "string"}}, ("size",)),
    "resources": _RESOURCES,
    "inheritedMetadata": _closed({"labels": _STRING_MAP, "annotations": _STRING_MAP}),
    "affinity": _closed({
        "enablePodAntiAffinity": {"type": "boolean"},
        "topologyKey": {"type": "string"},
        "podAntiAffinityType": {"enum": ["preferred", "required"]},
    }),
    "plugins": {"type": "array", "items": _closed({
        "name": {"type": "string"},
        "isWALArchiver": {"type": "boolean"},
        "parameters": _STRING_MAP,
    }, ("name",))},
}, ("instances", "storage")))

SCHEDULED_BACKUP = _resource("postgresql.cnpg.io/v1", "ScheduledBackup", _closed({
    # Six fields, seconds first (robfig/cron), unlike a CronJob's five.
    "schedule": {"type": "string", "pattern": r"^\S+( \S+){5}$"},
    "backupOwnerReference": {"enum": ["none", "self", "cluster"]},
    "cluster": _closed({"name": {"type": "string"}}, ("name",)),
    "method": {"enum": ["barmanObjectStore", "volumeSnapshot", "plugin"]},
    "pluginConfiguration": _closed({"name": {"type": "string"}, "parameters": _STRING_MAP}, ("name",)),
    "immediate": {"type": "boolean"},
    "suspend": {"type": "boolean"},
}, ("schedule", "cluster")))

_COMPRESSION = {"enum": ["gzip", "bzip2", "snappy", "lz4", "xz", "zstd"]}
OBJECT_STORE = _resource("barmancloud.cnpg.io/v1", "ObjectStore", _closed({
    "retentionPolicy": {"type": "string", "pattern": r"^[1-9][0-9]*[dwm]$"},
    "configuration": _closed({
        "destinationPath": {"type": "string", "pattern": r"^(s3|gs|https?)://"},
        "endpointURL": {"type": "string"},
        "s3Credentials": _closed({"accessKeyId": _SECRET_KEY, "secretAccessKey": _SECRET_KEY},
                                 ("accessKeyId", "secretAccessKey")),
        "wal": _closed({"compression": _COMPRESSION, "maxParallel": {"type": "integer"}}),
        "data": _closed({"compression": _COMPRESSION, "jobs": {"type": "integer"}}),
    }, ("destinationPath",)),
}, ("configuration",)))

SCHEMAS = {
    ("postgresql.cnpg.io/v1", "Cluster"): CLUSTER,
    ("postgresql.cnpg.io/v1", "ScheduledBackup"): SCHEDULED_BACKUP,
    ("barmancloud.cnpg.io/v1", "ObjectStore"): OBJECT_STORE,
}
BARMAN_PLUGIN = _PLUGIN_NAME
