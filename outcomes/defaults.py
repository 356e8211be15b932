"""The default indicator template, fitted to the three workshops of the programs.

Plain data (no model import), so that the data migration and the service apply the same list.
Visit figures: coaches already record costs, beneficiaries, impact unit cost and wellbeing in
their visits (coaching.Visit); `VISIT_FIGURES` says which indicator each one is, so that the
figure is counted as a measurement and never asked again.
"""

# code, Thai name, English name, Thai unit, English unit, kind, direction, workshop
DEFAULT_INDICATORS = [
    ("vision_written", "เขียนวิสัยทัศน์แล้ว", "Vision written", "", "", "yes_no", "up", 1),
    ("goals_with_measure", "จำนวนเป้าหมายที่มีตัวชี้วัด", "Goals with a measure", "เป้าหมาย", "goals", "number", "up", 1),
    ("idea_stage", "ขั้นของแนวคิด", "Stage of the idea", "", "", "stage", "up", 1),
    ("yearly_costs", "ค่าใช้จ่ายต่อปี", "Yearly costs", "บาท", "baht", "money", "none", 2),
    ("beneficiaries", "ผู้รับประโยชน์ที่เข้าถึง", "Beneficiaries reached", "คน", "people", "number", "up", 2),
    ("impact_unit_cost", "ต้นทุนต่อหน่วยผลลัพธ์", "Impact unit cost", "บาท/คน", "baht per person", "money", "down", 2),
    ("grant_income_share", "สัดส่วนรายได้จากทุนให้เปล่า", "Share of income from grants", "%", "%", "percent", "down", 2),
    ("reserve_months", "เงินสำรองพอใช้", "Months of reserves", "เดือน", "months", "number", "up", 2),
    ("paid_staff", "เจ้าหน้าที่ที่มีค่าตอบแทน", "Paid staff", "คน", "people", "number", "up", 3),
    ("volunteers", "อาสาสมัคร", "Volunteers", "คน", "people", "number", "up", 3),
    ("second_line_leaders", "ผู้นำรุ่นที่สอง", "Second-line leaders", "คน", "people", "number", "up", 3),
    ("wellbeing", "สุขภาวะของผู้นำและทีม", "Wellbeing of the leader and team", "1-5", "1-5", "scale", "up", 3),
]  # fmt: skip

# coaching.Visit field -> indicator code
VISIT_FIGURES = {
    "costs": "yearly_costs",
    "beneficiaries": "beneficiaries",
    "impact_unit_cost": "impact_unit_cost",
    "wellbeing_score": "wellbeing",
}

# The impact unit cost is computed from these two when it is left empty (as the visit form does).
UNIT_COST = ("impact_unit_cost", "yearly_costs", "beneficiaries")
