from tests.announcements.support import smtp  # noqa: F401  (fixture)
