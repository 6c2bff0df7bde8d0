"""The demo city: a seeded, fictional city with areas, crime, outreach and a planted effect.

The dashboard's first run, the test fixtures and the benchmarks all come from here
(STYLE 12), so one seed means one city everywhere. The generator also plants a known
truth that the outreach-and-crime analytics are validated against: from `effect_start`
the treated neighbourhoods' expected counts in `effect_categories` are multiplied by
`1 + effect`, and a few high-crime "under-served" neighbourhoods get almost no outreach.
`meta.demo_params` records all of it.

Geometry is built in metres on a local plane (x east, y north of the city centre) and
converted to WGS84 at the end. Incident counts are Poisson draws from an intensity over
(neighbourhood x day x category), so nothing loops over incidents. Each stage draws from
its own seeded stream, so the geography does not change when only the size does.

One module per step: params (what to build), city (the geography), plan (the planted
truth), incidents, events and attendance (the rows), and build (the run and the write).
"""
