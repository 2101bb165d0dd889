"""The area gazetteer: roads, junctions, intersections, POIs and admin divisions of a city."""
