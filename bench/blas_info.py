"""Which BLAS the Python peers run on, for the benchmark record.

Debian's numpy and torch call whatever libblas.so.3 the alternatives system
points to: the reference (netlib) BLAS unless OpenBLAS is installed, which
makes their matrix products several times slower. The peers print this so
that a figure always says which one it was measured with.
"""


def loaded_blas():
    """Paths of the BLAS libraries mapped into this process."""
    libs = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1]
            name = path.rsplit("/", 1)[-1]
            if name.startswith("lib") and "blas" in name and ".so" in name:
                libs.add(path)
    return sorted(libs)
