"""repro's Python probe: prints one JSON document describing this interpreter.

Run as `python probe.py [--frameworks]`. Without --frameworks nothing heavy is imported:
the package list comes from importlib.metadata, which reads metadata files only. With
--frameworks, PyTorch, TensorFlow and JAX are imported (each only if installed) to ask
which CUDA and cuDNN they were built with and which they load.
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


def frameworks(installed):
    out = {}
    for key, dist, probe in (("torch", "torch", torch_info), ("tensorflow", "tensorflow", tensorflow_info), ("jax", "jax", jax_info)):
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
