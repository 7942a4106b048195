"""Execute one notebook in a kernel and write the executed copy: run as a script, in a process
of its own, by ``tests/test_notebooks.py``.

The kernel client's sockets (pyzmq) and the threads that poll them live and die in this
process. Inside the pytest process they outlived the notebook tests, and a later test's garbage
collection closing a socket that a heartbeat thread still polled crashed the whole suite with a
segmentation fault (CI, at ``tests/test_readme.py``).

Usage: ``python tests/notebook_runner.py NOTEBOOK KERNELS_DIR KERNEL_NAME WORKDIR OUT TIMEOUT``
"""

from __future__ import annotations

import sys
import time


def main(argv: list[str]) -> int:
    notebook_path, kernels, kernel_name, workdir, out, timeout = argv
    import nbformat
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    notebook = nbformat.read(notebook_path, as_version=4)
    manager = KernelManager(
        kernel_name=kernel_name, kernel_spec_manager=KernelSpecManager(kernel_dirs=[kernels])
    )
    client = NotebookClient(
        notebook,
        km=manager,
        timeout=int(timeout),
        resources={"metadata": {"path": workdir}},
    )
    started = time.perf_counter()
    try:
        client.execute()
    finally:
        # what ran is written even when a cell failed, so the test can show it
        nbformat.write(notebook, out)
    print(f"{time.perf_counter() - started:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
