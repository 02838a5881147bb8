"""The places Provcat knows the extent of: a bounding box and a centroid per place IRI.

These are the places a dataset's ``spatial_uri`` takes in the catalogues Provcat ships and
generates (the demo, the Welsh Government sample, bench/generate.py) and the catalogue's
own coverage (``PROVCAT_CATALOG_SPATIAL``): the United Kingdom as the EU country authority
names it, and the UK, its nations and the English regions as the ONS names them
(statistical-geography codes). The DCAT-AP record of a dataset whose place is one of these
gives the place its ``dcat:bbox`` and ``dcat:centroid`` (GeoSPARQL WKT literals, CRS84 order:
longitude then latitude); any other place is left as the publisher gave it, without either.

Where the figures come from, and how far to trust them:
- Bounding boxes of the UK, Great Britain and the four nations: the extreme points of the
  land (islands included, Rockall not) listed in Wikipedia's "Extreme points of the United
  Kingdom" and of each nation (https://en.wikipedia.org/wiki/Extreme_points_of_the_United_Kingdom):
  Out Stack, Shetland (60.86 N), the Western Rocks, Isles of Scilly (49.86 N, 6.45 W), Soay,
  St Kilda (8.64 W), Lowestoft Ness (1.76 E); Marshall Meadows Bay (55.81 N) for England;
  Mull of Galloway (54.63 N) and the Out Skerries (0.73 W) for Scotland; the Smalls
  (5.67 W), Middle Mouse (53.43 N), Flat Holm (51.37 N) and the Wye at Chepstow (2.65 W)
  for Wales; Belleek (8.18 W), Rathlin Island (55.31 N), Cranfield Point (54.02 N) and
  Burr Point (5.43 W) for Northern Ireland.
- Bounding boxes of the nine English regions (ONS Regions, the former Government Office
  Regions): the extents of the ONS boundaries ("Regions (December 2023) Boundaries EN BGC",
  ONS Open Geography Portal, https://geoportal.statistics.gov.uk/), given from knowledge of
  those boundaries' outermost points, not computed from the boundary file (Provcat was built
  without a copy of it): approximate, and the first figures to check against that file.
- Every figure is rounded outwards to 0.1 degree, so each box contains its place; a box is
  an envelope for search and maps ("is it anywhere near here"), not a boundary.
- The centroid is the centre of that box (rounded to 0.01 degree), not the area-weighted
  centre of the land: for compact places the two are a few kilometres to a few tens of
  kilometres apart; for the UK and Scotland, whose boxes reach Shetland and St Kilda, the
  centre of the box lies some 100-150 km north-west of the centre of the land. Replace these
  figures with the ONS boundary files' own extents and centroids when they are to hand.
"""

from dataclasses import dataclass

ONS = "http://statistics.data.gov.uk/id/statistical-geography/"
EU_COUNTRY = "http://publications.europa.eu/resource/authority/country/"


@dataclass(frozen=True)
class Place:
    label: str
    west: float
    south: float
    east: float
    north: float

    @property
    def bbox_wkt(self) -> str:
        """The box as a WKT polygon, counter-clockwise from the south-west corner."""
        w, s, e, n = (f"{v:.1f}" for v in (self.west, self.south, self.east, self.north))
        return f"POLYGON(({w} {s},{e} {s},{e} {n},{w} {n},{w} {s}))"

    @property
    def centroid_wkt(self) -> str:
        lon = round((self.west + self.east) / 2, 2)
        lat = round((self.south + self.north) / 2, 2)
        return f"POINT({lon:.2f} {lat:.2f})"


UNITED_KINGDOM = Place("United Kingdom", -8.7, 49.8, 1.8, 60.9)

# place IRI -> its extent
PLACES: dict[str, Place] = {
    EU_COUNTRY + "GBR": UNITED_KINGDOM,
    ONS + "K02000001": UNITED_KINGDOM,
    # Northern Ireland lies inside Great Britain's box (St Kilda is further west than Belleek).
    ONS + "K03000001": Place("Great Britain", -8.7, 49.8, 1.8, 60.9),
    ONS + "K04000001": Place("England and Wales", -6.5, 49.8, 1.8, 55.9),
    ONS + "E92000001": Place("England", -6.5, 49.8, 1.8, 55.9),
    ONS + "W92000004": Place("Wales", -5.7, 51.3, -2.6, 53.5),
    ONS + "S92000003": Place("Scotland", -8.7, 54.6, -0.7, 60.9),
    ONS + "N92000002": Place("Northern Ireland", -8.2, 54.0, -5.4, 55.4),
    ONS + "E12000001": Place("North East", -2.7, 54.4, -0.7, 55.9),
    ONS + "E12000002": Place("North West", -3.7, 52.9, -1.9, 55.2),
    ONS + "E12000003": Place("Yorkshire and The Humber", -2.6, 53.3, 0.2, 54.6),
    ONS + "E12000004": Place("East Midlands", -2.1, 51.9, 0.4, 53.7),
    ONS + "E12000005": Place("West Midlands", -3.3, 51.8, -1.1, 53.3),
    ONS + "E12000006": Place("East of England", -0.8, 51.4, 1.8, 53.0),
    ONS + "E12000007": Place("London", -0.6, 51.2, 0.4, 51.7),
    ONS + "E12000008": Place("South East", -2.0, 50.5, 1.5, 52.2),
    ONS + "E12000009": Place("South West", -6.5, 49.8, -1.4, 52.2),
}


def place(uri: str) -> Place | None:
    """The extent of the place with this IRI, or None for a place Provcat does not know."""
    return PLACES.get(uri)
