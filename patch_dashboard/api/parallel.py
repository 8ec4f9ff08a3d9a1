"""Calls to several services at once, for one page."""

from concurrent.futures import ThreadPoolExecutor


def call_parallel(*calls):
    """Results of ``function`` or ``(function, args[, kwargs])`` calls, run in parallel
    threads, in order.

    What Horizon's futurist_utils.call_functions_parallel does, without its cost: futurist's
    idle workers poll their queue once a second and its shutdown waits for that poll, so a
    call there returns up to 1 s after the last function has finished (futurist 3.5). The
    standard library's pool wakes its workers at shutdown.
    """
    calls = tuple((call,) if callable(call) else call for call in calls)  # as futurist takes
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [
            pool.submit(
                call[0], *(call[1] if len(call) > 1 else ()), **(call[2] if len(call) > 2 else {})
            )
            for call in calls
        ]
        return tuple(future.result() for future in futures)
