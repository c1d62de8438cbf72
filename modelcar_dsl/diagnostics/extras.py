"""How to add an optional extra, in one sentence the help and the errors share; it imports
nothing, so `modelcar --help` can print it without loading the error types."""


def how_to_install(extra: str) -> str:
    """The ways to add an optional extra, for every way modelcar-dsl comes: from a clone or a
    wheel it is on no package index, where `pip install 'modelcar-dsl[extra]'` alone fails."""
    return (
        f"in a clone of modelcar-dsl, pip install -e '.[{extra}]' (or bash .ci/install "
        f"{extra}); from a wheel, pip install '/path/to/modelcar_dsl-VERSION-py3-none-any.whl"
        f"[{extra}]'; from a package index that has it, pip install 'modelcar-dsl[{extra}]'"
    )
