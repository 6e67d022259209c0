"""repro's bytecode compiler for the wheel store: compiles the .py files of each folder named on
stdin, one per line, as they arrive (the wheels are still being unpacked), on every core.

Run as `python -I compile-bytecode.py < folders`, inside bubblewrap with no network, by
exec/environment.ts. Nothing is imported from the folders: py_compile only compiles. A wheel's
scripts, headers and data (its .data/scripts|headers|data/) are not compiled, as pip and uv do
not. A file that does not compile (Python 2 syntax in a test fixture, say) is skipped, as
pip's compileall does; "done FOLDER" is printed as each folder is compiled, the count at the end.
"""
import os
import py_compile
import re
import multiprocessing
import sys
import threading
from concurrent.futures import ProcessPoolExecutor

SKIP = re.compile(r"[.]data/(scripts|headers|data)/")
CHUNK = 64


def compile_all(files):
    failed = 0
    for f in files:
        try:
            py_compile.compile(f, doraise=True, invalidation_mode=py_compile.PycInvalidationMode.TIMESTAMP)
        except Exception:
            failed += 1
    return failed


def sources(folder):
    out = []
    for d, dirs, names in os.walk(folder):
        dirs.sort()
        for n in sorted(names):
            p = os.path.join(d, n)
            if n.endswith(".py") and not SKIP.search(p):
                out.append(p)
    return out


def main():
    jobs = []
    total = 0
    remaining = {}
    lock = threading.Lock()

    def done(folder):
        # "done FOLDER" as each folder's last chunk is compiled: exec's progress bar counts them.
        with lock:
            remaining[folder] -= 1
            if remaining[folder] == 0:
                print("done %s" % folder, flush=True)

    # fork: no re-import of this script per worker (Python 3.14 defaults to forkserver).
    with ProcessPoolExecutor(os.cpu_count() or 1, mp_context=multiprocessing.get_context("fork")) as pool:
        for line in sys.stdin:
            folder = line.rstrip("\n")
            if not folder:
                continue
            files = sources(folder)
            total += len(files)
            chunks = [files[i:i + CHUNK] for i in range(0, len(files), CHUNK)]
            if not chunks:
                print("done %s" % folder, flush=True)
                continue
            with lock:
                remaining[folder] = len(chunks)
            for chunk in chunks:
                job = pool.submit(compile_all, chunk)
                job.add_done_callback(lambda _job, folder=folder: done(folder))
                jobs.append(job)
        failed = sum(j.result() for j in jobs)
    print("compiled %d of %d files" % (total - failed, total), flush=True)


if __name__ == "__main__":
    main()
