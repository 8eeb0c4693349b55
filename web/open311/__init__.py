"""Open311 GeoReport v2 at /open311/v2/: the interface a city's app or WeChat mini-program uses (JSON or XML)."""
