"""Thailand's 77 provinces (ISO 3166-2:TH codes, Thai and English names) in six regions.

Plain data, so that forms (`PROVINCE_CHOICES`), filters and matching can use it without a
database table. The six-region grouping is the National Geographical Committee's.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Region(models.TextChoices):
    NORTH = "north", _("Northern")
    NORTHEAST = "northeast", _("Northeastern")
    CENTRAL = "central", _("Central")
    EAST = "east", _("Eastern")
    WEST = "west", _("Western")
    SOUTH = "south", _("Southern")


@dataclass(frozen=True)
class Province:
    code: str
    name_th: str
    name_en: str
    region: str

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "th").startswith("en") else self.name_th

    def __str__(self) -> str:
        return self.name


_N, _NE, _C, _E, _W, _S = (Region.NORTH, Region.NORTHEAST, Region.CENTRAL, Region.EAST, Region.WEST, Region.SOUTH)

PROVINCES: tuple[Province, ...] = (
    Province("TH-10", "กรุงเทพมหานคร", "Bangkok", _C),
    Province("TH-11", "สมุทรปราการ", "Samut Prakan", _C),
    Province("TH-12", "นนทบุรี", "Nonthaburi", _C),
    Province("TH-13", "ปทุมธานี", "Pathum Thani", _C),
    Province("TH-14", "พระนครศรีอยุธยา", "Phra Nakhon Si Ayutthaya", _C),
    Province("TH-15", "อ่างทอง", "Ang Thong", _C),
    Province("TH-16", "ลพบุรี", "Lopburi", _C),
    Province("TH-17", "สิงห์บุรี", "Sing Buri", _C),
    Province("TH-18", "ชัยนาท", "Chai Nat", _C),
    Province("TH-19", "สระบุรี", "Saraburi", _C),
    Province("TH-20", "ชลบุรี", "Chonburi", _E),
    Province("TH-21", "ระยอง", "Rayong", _E),
    Province("TH-22", "จันทบุรี", "Chanthaburi", _E),
    Province("TH-23", "ตราด", "Trat", _E),
    Province("TH-24", "ฉะเชิงเทรา", "Chachoengsao", _E),
    Province("TH-25", "ปราจีนบุรี", "Prachinburi", _E),
    Province("TH-26", "นครนายก", "Nakhon Nayok", _C),
    Province("TH-27", "สระแก้ว", "Sa Kaeo", _E),
    Province("TH-30", "นครราชสีมา", "Nakhon Ratchasima", _NE),
    Province("TH-31", "บุรีรัมย์", "Buriram", _NE),
    Province("TH-32", "สุรินทร์", "Surin", _NE),
    Province("TH-33", "ศรีสะเกษ", "Sisaket", _NE),
    Province("TH-34", "อุบลราชธานี", "Ubon Ratchathani", _NE),
    Province("TH-35", "ยโสธร", "Yasothon", _NE),
    Province("TH-36", "ชัยภูมิ", "Chaiyaphum", _NE),
    Province("TH-37", "อำนาจเจริญ", "Amnat Charoen", _NE),
    Province("TH-38", "บึงกาฬ", "Bueng Kan", _NE),
    Province("TH-39", "หนองบัวลำภู", "Nong Bua Lamphu", _NE),
    Province("TH-40", "ขอนแก่น", "Khon Kaen", _NE),
    Province("TH-41", "อุดรธานี", "Udon Thani", _NE),
    Province("TH-42", "เลย", "Loei", _NE),
    Province("TH-43", "หนองคาย", "Nong Khai", _NE),
    Province("TH-44", "มหาสารคาม", "Maha Sarakham", _NE),
    Province("TH-45", "ร้อยเอ็ด", "Roi Et", _NE),
    Province("TH-46", "กาฬสินธุ์", "Kalasin", _NE),
    Province("TH-47", "สกลนคร", "Sakon Nakhon", _NE),
    Province("TH-48", "นครพนม", "Nakhon Phanom", _NE),
    Province("TH-49", "มุกดาหาร", "Mukdahan", _NE),
    Province("TH-50", "เชียงใหม่", "Chiang Mai", _N),
    Province("TH-51", "ลำพูน", "Lamphun", _N),
    Province("TH-52", "ลำปาง", "Lampang", _N),
    Province("TH-53", "อุตรดิตถ์", "Uttaradit", _N),
    Province("TH-54", "แพร่", "Phrae", _N),
    Province("TH-55", "น่าน", "Nan", _N),
    Province("TH-56", "พะเยา", "Phayao", _N),
    Province("TH-57", "เชียงราย", "Chiang Rai", _N),
    Province("TH-58", "แม่ฮ่องสอน", "Mae Hong Son", _N),
    Province("TH-60", "นครสวรรค์", "Nakhon Sawan", _C),
    Province("TH-61", "อุทัยธานี", "Uthai Thani", _C),
    Province("TH-62", "กำแพงเพชร", "Kamphaeng Phet", _C),
    Province("TH-63", "ตาก", "Tak", _W),
    Province("TH-64", "สุโขทัย", "Sukhothai", _C),
    Province("TH-65", "พิษณุโลก", "Phitsanulok", _C),
    Province("TH-66", "พิจิตร", "Phichit", _C),
    Province("TH-67", "เพชรบูรณ์", "Phetchabun", _C),
    Province("TH-70", "ราชบุรี", "Ratchaburi", _W),
    Province("TH-71", "กาญจนบุรี", "Kanchanaburi", _W),
    Province("TH-72", "สุพรรณบุรี", "Suphan Buri", _C),
    Province("TH-73", "นครปฐม", "Nakhon Pathom", _C),
    Province("TH-74", "สมุทรสาคร", "Samut Sakhon", _C),
    Province("TH-75", "สมุทรสงคราม", "Samut Songkhram", _C),
    Province("TH-76", "เพชรบุรี", "Phetchaburi", _W),
    Province("TH-77", "ประจวบคีรีขันธ์", "Prachuap Khiri Khan", _W),
    Province("TH-80", "นครศรีธรรมราช", "Nakhon Si Thammarat", _S),
    Province("TH-81", "กระบี่", "Krabi", _S),
    Province("TH-82", "พังงา", "Phang Nga", _S),
    Province("TH-83", "ภูเก็ต", "Phuket", _S),
    Province("TH-84", "สุราษฎร์ธานี", "Surat Thani", _S),
    Province("TH-85", "ระนอง", "Ranong", _S),
    Province("TH-86", "ชุมพร", "Chumphon", _S),
    Province("TH-90", "สงขลา", "Songkhla", _S),
    Province("TH-91", "สตูล", "Satun", _S),
    Province("TH-92", "ตรัง", "Trang", _S),
    Province("TH-93", "พัทลุง", "Phatthalung", _S),
    Province("TH-94", "ปัตตานี", "Pattani", _S),
    Province("TH-95", "ยะลา", "Yala", _S),
    Province("TH-96", "นราธิวาส", "Narathiwat", _S),
)

BY_CODE: dict[str, Province] = {p.code: p for p in PROVINCES}


class _ProvinceChoices:
    """Choices that render in the active language each time a form is drawn."""

    def __iter__(self):
        return iter((p.code, p.name) for p in sorted(PROVINCES, key=lambda p: p.name))


class _ProvinceChoicesByRegion:
    """Provinces grouped by region (optgroups), in the active language: easier to scan on a phone."""

    def __iter__(self):
        for region in Region:
            provinces = sorted(provinces_in(region.value), key=lambda p: p.name)
            yield str(region.label), [(p.code, p.name) for p in provinces]


PROVINCE_CHOICES = _ProvinceChoices()
PROVINCE_CHOICES_BY_REGION = _ProvinceChoicesByRegion()
# For model fields (migrations need a stable list): code -> Thai name.
PROVINCE_MODEL_CHOICES = [(p.code, p.name_th) for p in PROVINCES]


def province(code: str) -> Province:
    return BY_CODE[code]


def province_name(code: str) -> str:
    p = BY_CODE.get(code)
    return p.name if p else code


def region_of(code: str) -> str:
    return BY_CODE[code].region


def provinces_in(region: str) -> list[Province]:
    return [p for p in PROVINCES if p.region == region]
