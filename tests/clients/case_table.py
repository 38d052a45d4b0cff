"""The runner every framework's table shares: each case called, its answer or its error kept,
so one failing case does not hide the others (the Rust test reads the whole table)."""


def run(table):
    out = {}
    for name, case in table.items():
        try:
            out[name] = case()
        except Exception as error:  # a failing case is reported, not fatal: the table shows all
            out[name] = {"error": f"{type(error).__name__}: {error}"[:400]}
    return out
