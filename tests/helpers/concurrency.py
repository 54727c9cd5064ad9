"""Several colleagues at once: run their work in threads and keep every answer."""

import threading


class Outcomes:
    """Every answer the colleagues got, to assert on afterwards (threads only append)."""

    def __init__(self):
        self.statuses: list[int] = []
        self.problems: list[str] = []
        self.lock = threading.Lock()

    def add(self, response, expected: set[int], what: str) -> bool:
        with self.lock:
            self.statuses.append(response.status_code)
            if response.status_code not in expected:
                self.problems.append(f"{what}: {response.status_code} {response.text[:200]!r}")
                return False
            if "database is locked" in response.text:
                self.problems.append(f"{what}: database is locked")
                return False
        return True


def run_together(work, count: int) -> None:
    errors = []

    def guarded(index):
        try:
            work(index)
        except Exception as error:  # noqa: BLE001  (reported below, with the thread)
            errors.append(f"colleague {index}: {error!r}")

    threads = [threading.Thread(target=guarded, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors


def server_log_problems(error_log) -> list[str]:
    text = error_log.read_text(errors="replace")
    return [
        line
        for line in text.splitlines()
        if "Traceback" in line or "database is locked" in line or "Exception on" in line
    ]
