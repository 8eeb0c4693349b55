"""Statistics pages: the office's dashboard and 热点/难点/堵点, the assessment with exports and weights, and the
public statistics page and open data (Art. 21, 22).

May import ``forms``, the ``engine`` packages and ``web`` helpers; nothing imports it but the blueprint list.
"""
