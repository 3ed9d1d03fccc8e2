"""Two people at once, for real: each in its own thread with its own database connection and
its own transactions, started together by a barrier (the race tests of ADR 0020).

Race tests are marked ``@pytest.mark.django_db(transaction=True)``: what each thread commits
is committed, as in production; the database is emptied afterwards (``tests/conftest.py``).
"""

import threading

from django.db import connections
from django.test import Client

ROUNDS = 10  # each race is run this many times: a lost update needs only one bad round


def race(*workers):
    """Run each ``worker(go)`` in its own thread; each calls ``go()`` just before the step
    that races (after opening its page). Returns each worker's result, or the exception it
    raised (a 500 in a page would be an exception here: the test client re-raises it)."""
    barrier = threading.Barrier(len(workers))
    results = [None] * len(workers)

    def run(i, worker):
        try:
            results[i] = worker(lambda: barrier.wait(timeout=60))
        except BaseException as error:  # noqa: BLE001 (reported to the test, not swallowed)
            results[i] = error
            barrier.abort()
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def raised(results) -> list:
    return [r for r in results if isinstance(r, BaseException)]
