"""enqueue_on_commit: a database backend that cannot store the task is logged and left to
the caller's sweep; a task the backend refuses (a bug) raises."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from django.db import OperationalError
from django_tasks.exceptions import InvalidTaskError

from blockdesk.common import tasks


def _task(exc: Exception) -> SimpleNamespace:
    def enqueue(*args: object) -> None:
        raise exc

    return SimpleNamespace(name="t", enqueue=enqueue)


@pytest.mark.django_db
def test_a_database_error_is_logged_and_left_to_the_sweep(
    django_capture_on_commit_callbacks, caplog
):
    with (
        caplog.at_level(logging.ERROR, logger=tasks.__name__),
        django_capture_on_commit_callbacks(execute=True),
    ):
        tasks.enqueue_on_commit(_task(OperationalError("gone")), 1)  # type: ignore[arg-type]
    assert "could not enqueue t(1,)" in caplog.text


@pytest.mark.django_db
def test_a_refused_task_raises(django_capture_on_commit_callbacks):
    with pytest.raises(InvalidTaskError), django_capture_on_commit_callbacks(execute=True):
        tasks.enqueue_on_commit(_task(InvalidTaskError("bad args")), 1)  # type: ignore[arg-type]
