"""repro's Python probe: prints one JSON document describing this interpreter.

Run as `python probe.py [--frameworks]`. Without --frameworks nothing heavy is imported:
the package list comes from importlib.metadata, which reads metadata files only. With
--frameworks, numpy, PyTorch, TensorFlow and JAX are imported (each only if installed) to ask
which CUDA and cuDNN they were built with and which they load, how many threads they use, and
which BLAS they run on.
"""
import json
import platform
import sys


def distributions():
    try:
        from importlib import metadata
    except ImportError:  # Python < 3.8
        return {}
    seen = {}
    for dist in metadata.distributions():
        try:
            name = dist.metadata["Name"]
            version = dist.version
        except Exception:
            continue
        if not name:
            continue
        key = name.lower().replace("_", "-").replace(".", "-")
        # The first one on sys.path wins, as it does for import.
        seen.setdefault(key, version)
    return seen


def torch_info():
    import torch

    info = {"version": torch.__version__, "cuda": torch.version.cuda, "hip": getattr(torch.version, "hip", None)}
    try:
        info["cudnn"] = torch.backends.cudnn.version()
    except Exception as exc:  # noqa: BLE001
        info["cudnn"] = None
        info["cudnnError"] = str(exc)[:200]
    try:
        info["numThreads"] = torch.get_num_threads()
        info["interopThreads"] = torch.get_num_interop_threads()
        config = torch.__config__.show()
        blas = [part.split("=", 1)[1] for line in config.splitlines() for part in line.replace(",", " ").split() if part.startswith("BLAS_INFO=")]
        info["blas"] = blas[0] if blas else None
    except Exception as exc:  # noqa: BLE001
        info["threadsError"] = str(exc)[:200]
    try:
        info["cudaAvailable"] = bool(torch.cuda.is_available())
        if info["cudaAvailable"]:
            info["devices"] = [
                {"name": torch.cuda.get_device_name(i), "capability": ".".join(map(str, torch.cuda.get_device_capability(i)))}
                for i in range(torch.cuda.device_count())
            ]
    except Exception as exc:  # noqa: BLE001
        info["cudaAvailable"] = False
        info["cudaError"] = str(exc)[:200]
    return info


def tensorflow_info():
    import tensorflow as tf

    build = dict(tf.sysconfig.get_build_info())
    return {"version": tf.__version__, "cuda": build.get("cuda_version"), "cudnn": build.get("cudnn_version")}


def jax_info():
    import jax

    info = {"version": jax.__version__}
    try:
        import jaxlib

        info["jaxlib"] = jaxlib.__version__
    except Exception:  # noqa: BLE001
        pass
    try:
        info["backend"] = jax.default_backend()
        info["devices"] = sorted({d.device_kind for d in jax.devices()})
    except Exception as exc:  # noqa: BLE001
        info["backendError"] = str(exc)[:200]
    return info


def numpy_info():
    import numpy

    info = {"version": numpy.__version__}
    # The BLAS numpy loaded, its version, the kernels it picked for this CPU and its threads, as
    # threadpoolctl (installed with scikit-learn) reads them from the loaded library itself.
    try:
        from threadpoolctl import threadpool_info

        info["blas"] = sorted(
            ({k: p.get(k) for k in ("internal_api", "version", "architecture", "num_threads", "threading_layer")} for p in threadpool_info() if p.get("user_api") == "blas"),
            key=lambda p: str(p.get("internal_api")),
        )
    except Exception:  # noqa: BLE001
        pass
    return info


def frameworks(installed):
    out = {}
    for key, dist, probe in (("numpy", "numpy", numpy_info), ("torch", "torch", torch_info), ("tensorflow", "tensorflow", tensorflow_info), ("jax", "jax", jax_info)):
        if dist not in installed and not (key == "tensorflow" and "tensorflow-cpu" in installed):
            continue
        try:
            out[key] = probe()
        except Exception as exc:  # noqa: BLE001
            out[key] = {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}
    return out


def main():
    installed = distributions()
    doc = {
        "executable": sys.executable,
        "version": platform.python_version(),
        "implementation": platform.python_implementation(),
        "prefix": sys.prefix,
        "basePrefix": getattr(sys, "base_prefix", sys.prefix),
        "packages": installed,
        "paths": [p for p in sys.path if p and p != sys.path[0]],
    }
    if "--frameworks" in sys.argv:
        doc["frameworks"] = frameworks(installed)
    json.dump(doc, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()
