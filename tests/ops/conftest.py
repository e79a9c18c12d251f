"""An S3-compatible server on loopback (scripts/ensure-s3.sh: moto's server mode)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_or_skip
from tests.support.live_server import free_port

REPO = Path(__file__).resolve().parents[2]


@dataclass
class S3Server:
    endpoint: str
    kind: str

    def storage_settings(self, bucket: str) -> dict[str, Any]:
        return {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": self.endpoint,
                "access_key": "testing",
                "secret_key": "testing",
                "region_name": "us-east-1",
                "addressing_style": "path",
                "default_acl": None,
                "querystring_auth": True,
                "file_overwrite": False,
            },
        }

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        )

    def new_bucket(self) -> str:
        name = f"bd-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    port = free_port()
    data = tmp_path_factory.mktemp("s3")
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "ensure-s3.sh"), str(port), str(data)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ},
    )
    line = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr
    match = re.search(r"S3: (\w+) (http://\S+) pid=(\d+)", line)
    require_or_skip(done.returncode == 0 and match is not None, f"no S3 server: {line}")
    assert match is not None
    print(f"\nS3-compatible server: {match.group(1)} at {match.group(2)}")
    try:
        yield S3Server(endpoint=match.group(2), kind=match.group(1))
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(match.group(3)), signal.SIGTERM)
