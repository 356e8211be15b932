from django.utils import translation

from incubator import geo


def test_provinces_are_the_77_of_thailand_in_six_regions():
    assert len(geo.PROVINCES) == 77
    assert len({p.code for p in geo.PROVINCES}) == 77
    counts = {region: len(geo.provinces_in(region)) for region in geo.Region.values}
    assert counts == {"north": 9, "northeast": 20, "central": 22, "east": 7, "west": 5, "south": 14}


def test_province_name_follows_the_active_language():
    with translation.override("th"):
        assert geo.province_name("TH-82") == "พังงา"
    with translation.override("en"):
        assert geo.province_name("TH-82") == "Phang Nga"
    assert geo.region_of("TH-40") == geo.Region.NORTHEAST


def test_province_choices_render_in_the_active_language():
    with translation.override("en"):
        names = dict(geo.PROVINCE_CHOICES)
    assert names["TH-10"] == "Bangkok"
    assert geo.province_name("XX-00") == "XX-00"
