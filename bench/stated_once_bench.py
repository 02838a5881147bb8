"""StatedOnce alone (what a /catalog page pays to state each triple once), old against new.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<a copy with records built> \\
        .venv/bin/python bench/stated_once_bench.py --before /path/to/worktree-of-the-old-code [--page-size 1000] [--page 1]

In one process, on one page's stored fragments read once: the catalogue node and every
record through the old code's StatedOnce (``--before``'s catalogue/rdf/formats.py, loaded
by path) and through this tree's, five times each and twice over, alternating; the CPU
time p50 of each (best of the two series), and whether both give the same text. The plain
join of the fragments (what a page cost before it stated each triple once) is given beside.
"""

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def p50_cpu(run, times: int = 5) -> tuple[float, list]:
    spent = []
    for _ in range(times):
        started = time.process_time()
        out = run()
        spent.append(time.process_time() - started)
    return sorted(spent)[times // 2] * 1000, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", type=Path, required=True, help="checkout of the code before the change")
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--page", type=int, default=1)
    args = parser.parse_args()

    import django

    django.setup()
    from catalogue.dcat import pages
    from catalogue.rdf import dcat
    from catalogue.rdf.formats import FORMATS, StatedOnce

    spec = importlib.util.spec_from_file_location("formats_before", args.before / "catalogue/rdf/formats.py")
    before = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(before)

    page = pages.catalogue_page(pages.PageQuery(page_size=args.page_size, page=args.page))
    load = Path("/proc/loadavg").read_text().split()[0]
    print(f"page {args.page} of {args.page_size} ({len(page.ids)} records), load {load}")
    for fmt in FORMATS:
        fragments = [
            fmt.fragment(
                dcat.catalog_triples(issued=pages.first_issued(), modified=pages.last_change())
                + dcat.catalog_link_triples([(uri, uuid) for _, uri, uuid, _ in page.rows])
            ),
            *pages.stored_fragments(fmt, page.ids),
        ]

        def old(fmt=fmt, fragments=fragments):
            once = before.StatedOnce(fmt)
            return [once(fragment) for fragment in fragments]

        def new(fmt=fmt, fragments=fragments):
            once = StatedOnce(fmt)
            return [once.pieces(fragment) for fragment in fragments]

        spent = {"old": [], "new": []}
        for _ in range(2):
            for name, run in (("old", old), ("new", new)):
                cpu, out = p50_cpu(run)
                spent[name].append(cpu)
                if name == "old":
                    expected = out
                else:
                    same = expected == [fmt.separator.join(pieces) for pieces in out]
        join, _ = p50_cpu(lambda fragments=fragments: "".join(fragments))
        size = sum(map(len, fragments)) / 1e6
        print(
            f"{fmt.name:9s} {size:5.1f} MB  old {min(spent['old']):4.0f} ms  new {min(spent['new']):4.0f} ms CPU"
            f"  (plain join {join:3.0f} ms)  same text: {same}"
        )
    print(f"load at the end {Path('/proc/loadavg').read_text().split()[0]}")


if __name__ == "__main__":
    main()
