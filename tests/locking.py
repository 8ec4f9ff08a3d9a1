"""One lock, many workers: what each of them got (the index store's tests, on every cache)."""

import threading


def contend(make_store, name: str, workers: int) -> list[bool]:
    """``workers`` threads, each with the store ``make_store()`` gives it, take the lock
    ``name`` at the same moment and hold what they got until all have tried; -> what each got."""
    start, done, held = threading.Barrier(workers), threading.Barrier(workers), []

    def worker():
        store = make_store()
        start.wait()
        with store.lock(name, timeout=30) as got:
            held.append(got)
            done.wait()
        close = getattr(store.cache, "close", None)
        if close is not None:
            close()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    return held
