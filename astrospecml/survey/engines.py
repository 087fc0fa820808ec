"""Where a job's shards run: here, one after the other; in processes of this machine; or on a Dask cluster.

Every engine calls `~astrospecml.survey.shards.run_shard` (through the module,
so that it can be wrapped) and reports each finished shard to ``done``.
"""
import hashlib
import multiprocessing
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from . import shards

__all__ = ["run_in_processes", "run_local", "run_on_dask"]


def run_local(job, output, todo, shard_paths, done):
    """Run the shards ``todo`` in this process, in order."""
    for shard in todo:
        done(shard, shards.run_shard(job, output, shard, shard_paths(shard)))


def run_in_processes(job, output, todo, shard_paths, n_workers, threads, done):
    """Run the shards ``todo`` in ``n_workers`` processes of this machine, each with ``threads`` torch threads.

    At most two shards per process are in flight, so memory stays flat
    however many shards the job has.  The processes are spawned, not forked:
    a fork of a process whose torch has started its thread pool can hang.
    A shard a process fails on stops the job with that error; the shards
    written so far stay, and running the job again resumes it.
    """
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=n_workers, mp_context=context) as pool:
        pending = iter(todo)

        def submit(shard):
            return pool.submit(shards.run_shard, job, str(output), shard, shard_paths(shard), threads)

        futures = {}
        for shard in pending:
            futures[submit(shard)] = shard
            if len(futures) >= 2 * n_workers:
                break
        while futures:
            finished, _ = wait(futures, return_when=FIRST_COMPLETED)
            for future in finished:
                shard = futures.pop(future)
                done(shard, future.result())
                following = next(pending, None)
                if following is not None:
                    futures[submit(following)] = following


def run_on_dask(job, output, todo, shard_paths, scheduler, n_workers, done):
    """Shards as Dask tasks, a bounded number in flight so the scheduler's memory stays flat too."""
    from distributed import Client, LocalCluster, as_completed

    owned = []
    if scheduler is None:
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
        owned = [client, cluster]
    elif isinstance(scheduler, str):
        client = Client(scheduler)
        owned = [client]
    else:
        client = scheduler
    try:
        window = 2 * max(sum(client.nthreads().values()), 1)
        folder = hashlib.sha256(str(output).encode()).hexdigest()[:8]  # copies of a job folder are other tasks
        pending = iter(todo)

        def submit(shard):
            # A key per (model, shard): resubmitting the same shard is the same task.
            key = f"astrospecml-{job['model_checksum'][7:19]}-{job['inputs_sha256'][:12]}-{folder}-shard-{shard}"
            return client.submit(_run_shard_on_worker, job, str(output), shard, shard_paths(shard), key=key,
                                 pure=False)

        futures = {}
        for shard in pending:
            futures[submit(shard)] = shard
            if len(futures) >= window:
                break
        queue = as_completed(list(futures))
        for future in queue:
            shard = futures.pop(future)
            done(shard, future.result())
            future.release()
            following = next(pending, None)
            if following is not None:
                new = submit(following)
                futures[new] = following
                queue.add(new)
    finally:
        for item in owned:
            item.close()


def _run_shard_on_worker(job, output, shard, paths):
    from distributed import get_worker

    return shards.run_shard(job, output, shard, paths, threads=get_worker().state.nthreads)
