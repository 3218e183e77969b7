"""The events map opens on the region, not on one cluster at zoom 19 (issue 13)."""

import json
import re


async def test_the_events_map_caps_its_zoom_so_that_it_opens_on_the_city(datasette):
    response = await datasette.client.get("/antitrafficking/events_on_map")
    assert response.status_code == 200
    found = re.search(r"window\.DATASETTE_CLUSTER_MAP_TILE_LAYER_OPTIONS = (\{.*?\});", response.text)
    assert found, "the cluster map's options are not on the page"
    options = json.loads(found.group(1))
    # fitBounds stops at the tile layer's maxZoom: 12 shows a city with its surroundings
    assert options["maxZoom"] <= 12
    assert "OpenStreetMap" in options["attribution"]
