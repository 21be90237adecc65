#!/usr/bin/python3
"""Read the file of examples/sweep-and-record.ts into numpy with h5py: the sweep and the recorded samples.

The file holds two data sets in Python QMI's layout, one HDF5 group each: `sweep` (one row per frequency:
frequency in Hz, fitted mean and amplitude in V, samples taken, start and stop in POSIX seconds) and
`sweep.nsg.sampleTaken` (every sample the generator published while recorded: `time`, `t`, `value`). Each column
is a dataset of its own dtype with a `unit` attribute. This script prints the sweep, then takes the recorded samples
of each step (by their time stamp `t`) and computes their mean and amplitude again from the raw data.

Run (Debian's python3-h5py and python3-numpy):
    /usr/bin/python3 examples/python/read_sweep.py sweep.h5
"""
import argparse

import h5py
import numpy as np


def data_set_names(f):
    """The data sets of a file, in the order they were written (QMI's root attributes)."""
    names = []
    while f.attrs.get(f"QMI_Dataset_name_{len(names)}") is not None:
        names.append(f.attrs[f"QMI_Dataset_name_{len(names)}"])
    return [n.decode() if isinstance(n, bytes) else str(n) for n in names]


def columns(group):
    """The columns of a data set as numpy arrays, in their order, and their units."""
    name = group.name.lstrip("/")
    keys = [group.attrs[f"{name}_column{c}_key"] for c in range(group.attrs[f"{name}_ncol"])]
    keys = [k.decode() if isinstance(k, bytes) else str(k) for k in keys]
    return {k: np.asarray(group[k]) for k in keys}, {k: group[k].attrs.get("unit", "") for k in keys}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", default="sweep.h5")
    args = parser.parse_args()

    with h5py.File(args.file, "r") as f:
        print("data sets:", ", ".join(data_set_names(f)))
        sweep, units = columns(f["sweep"])
        recorded, _ = columns(f["sweep.nsg.sampleTaken"])
        attrs = f["sweep.nsg.sampleTaken"].attrs
        print(f"recorded: {len(recorded['value'])} samples, dropped {int(attrs['dropped'])}, "
              f"driver {attrs['driver_class']}, {recorded['value'].dtype}")

    print(f"sweep: {', '.join(f'{k} [{u}] {sweep[k].dtype}' for k, u in units.items())}")
    for row in range(len(sweep["frequency"])):
        # The recorded samples of this step, and their mean and amplitude fitted again (mean + a·sin + b·cos).
        t, v = recorded["t"], recorded["value"]
        step = (t >= sweep["start"][row]) & (t <= sweep["stop"][row])
        phase = 2 * np.pi * sweep["frequency"][row] * t[step]
        basis = np.column_stack([np.ones_like(phase), np.sin(phase), np.cos(phase)])
        (mean, a, b), *_ = np.linalg.lstsq(basis, v[step], rcond=None)
        print(f"{sweep['frequency'][row]:g} Hz: {sweep['samples'][row]} samples, mean {sweep['mean'][row]:.4f} V, "
              f"amplitude {sweep['amplitude'][row]:.4f} V; recorded {np.count_nonzero(step)} samples, "
              f"mean {mean:.4f} V, amplitude {np.hypot(a, b):.4f} V")


if __name__ == "__main__":
    main()
