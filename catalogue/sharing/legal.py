"""The controlled lists an agreement's legal power is chosen from, with what each means in RDF.

Three lists, because a share usually rests on more than one of them:
- the statutory gateway that permits the disclosure (Digital Economy Act 2017 Part 5 powers,
  other gateways in common use, or another statute with its citation);
- the UK GDPR Article 6(1) lawful basis for processing personal data;
- for special-category data, the Article 9(2) condition.

Codes are unique across the lists, so a register filter ``legal_power=<code>`` names one.
IRIs: legislation.gov.uk identifiers for statutes; DPV's GDPR IRIs for Articles 6 and 9
(https://w3id.org/dpv/legal/eu/gdpr#); Article 6(1)(ea), added by the Data (Use and Access)
Act 2025 s.70, has no DPV IRI, so it is named by the section that inserted it.
"""

from dataclasses import dataclass

GDPR = "https://w3id.org/dpv/legal/eu/gdpr#"
LEGISLATION = "http://www.legislation.gov.uk/id/"


@dataclass(frozen=True)
class LegalPower:
    code: str
    label: str  # short, for lists and filters
    explanation: str  # plain English, for the register page
    iri: str


OTHER_STATUTE = "other-statute"

GATEWAYS = [
    LegalPower(
        "dea-s35",
        "Digital Economy Act 2017 s.35 (public service delivery)",
        "Specified public authorities may share personal data to improve the wellbeing of individuals or households, "
        "for objectives set in regulations (for example multiple disadvantages, fuel and water poverty).",
        LEGISLATION + "ukpga/2017/30/section/35",
    ),
    LegalPower(
        "dea-s36-39",
        "Digital Economy Act 2017 ss.36–39 (energy and water suppliers)",
        "Gas, electricity and water suppliers may share data with public authorities to help people in fuel or water poverty.",
        LEGISLATION + "ukpga/2017/30/section/36",
    ),
    LegalPower(
        "dea-s19aa",
        "Digital Economy Act 2017 Part 5 Ch.2 (civil registration)",
        "Civil registration officials may share birth, death, marriage and civil partnership information with "
        "public authorities for their functions (Registration Service Act 1953 s.19AA).",
        LEGISLATION + "ukpga/2017/30/part/5/chapter/2",
    ),
    LegalPower(
        "dea-s48",
        "Digital Economy Act 2017 s.48 (debt owed to the public sector)",
        "Specified public authorities may share information to identify, collect and reduce debt owed to the public sector.",
        LEGISLATION + "ukpga/2017/30/section/48",
    ),
    LegalPower(
        "dea-s56",
        "Digital Economy Act 2017 s.56 (fraud against the public sector)",
        "Specified public authorities may share information to prevent, detect, investigate and prosecute fraud "
        "against the public sector.",
        LEGISLATION + "ukpga/2017/30/section/56",
    ),
    LegalPower(
        "dea-s64",
        "Digital Economy Act 2017 s.64 (research)",
        "Public authorities may disclose de-identified information for research accredited by the UK Statistics Authority.",
        LEGISLATION + "ukpga/2017/30/section/64",
    ),
    LegalPower(
        "dea-s79",
        "Statistics and Registration Service Act 2007 s.45A (inserted by DEA 2017 s.79)",
        "Public authorities may disclose information to the Statistics Board for its statistical functions.",
        LEGISLATION + "ukpga/2017/30/section/79",
    ),
    LegalPower(
        "dea-s80",
        "Statistics and Registration Service Act 2007 s.45B (inserted by DEA 2017 s.80)",
        "The Statistics Board may require Crown bodies and others to give it information for its statistical functions.",
        LEGISLATION + "ukpga/2017/30/section/80",
    ),
    LegalPower(
        "sca-s68",
        "Serious Crime Act 2007 s.68 (disclosure to prevent fraud)",
        "Public authorities may disclose information to a specified anti-fraud organisation to prevent fraud.",
        LEGISLATION + "ukpga/2007/27/section/68",
    ),
    LegalPower(
        "laaa-sch9",
        "Local Audit and Accountability Act 2014 Sch.9 (data matching)",
        "Data matching exercises to prevent and detect fraud, such as the National Fraud Initiative.",
        LEGISLATION + "ukpga/2014/2/schedule/9",
    ),
    LegalPower(
        OTHER_STATUTE,
        "Other statute (see citation)",
        "Another law permits this sharing; the agreement cites it.",
        "",
    ),
]

LAWFUL_BASES = [
    LegalPower(
        "gdpr-6-1-a",
        "UK GDPR Art. 6(1)(a) consent",
        "The people the data is about have given consent.",
        GDPR + "A6-1-a",
    ),
    LegalPower(
        "gdpr-6-1-b",
        "UK GDPR Art. 6(1)(b) contract",
        "Needed for a contract with the people the data is about.",
        GDPR + "A6-1-b",
    ),
    LegalPower(
        "gdpr-6-1-c",
        "UK GDPR Art. 6(1)(c) legal obligation",
        "Needed to comply with a legal obligation.",
        GDPR + "A6-1-c",
    ),
    LegalPower(
        "gdpr-6-1-d", "UK GDPR Art. 6(1)(d) vital interests", "Needed to protect someone's life.", GDPR + "A6-1-d"
    ),
    LegalPower(
        "gdpr-6-1-e",
        "UK GDPR Art. 6(1)(e) public task",
        "Needed to perform a task in the public interest or in the exercise of official authority, set out in law.",
        GDPR + "A6-1-e",
    ),
    LegalPower(
        "gdpr-6-1-ea",
        "UK GDPR Art. 6(1)(ea) recognised legitimate interest",
        "One of the recognised legitimate interests in Annex 1 (added by the Data (Use and Access) Act 2025); "
        "not open to public authorities performing their tasks.",
        LEGISLATION + "ukpga/2025/18/section/70",
    ),
    LegalPower(
        "gdpr-6-1-f",
        "UK GDPR Art. 6(1)(f) legitimate interests",
        "Needed for legitimate interests, balanced against the rights of the people the data is about; "
        "not open to public authorities performing their tasks.",
        GDPR + "A6-1-f",
    ),
]

SPECIAL_CATEGORY_CONDITIONS = [
    LegalPower(
        "gdpr-9-2-a",
        "UK GDPR Art. 9(2)(a) explicit consent",
        "The people the data is about have given explicit consent.",
        GDPR + "A9-2-a",
    ),
    LegalPower(
        "gdpr-9-2-b",
        "UK GDPR Art. 9(2)(b) employment and social security",
        "Needed for obligations in employment, social security and social protection law.",
        GDPR + "A9-2-b",
    ),
    LegalPower(
        "gdpr-9-2-c",
        "UK GDPR Art. 9(2)(c) vital interests",
        "Needed to protect someone's life when they cannot consent.",
        GDPR + "A9-2-c",
    ),
    LegalPower(
        "gdpr-9-2-d",
        "UK GDPR Art. 9(2)(d) not-for-profit bodies",
        "Processing by a not-for-profit body about its members.",
        GDPR + "A9-2-d",
    ),
    LegalPower(
        "gdpr-9-2-e",
        "UK GDPR Art. 9(2)(e) made public",
        "The person the data is about made it public.",
        GDPR + "A9-2-e",
    ),
    LegalPower(
        "gdpr-9-2-f", "UK GDPR Art. 9(2)(f) legal claims", "Needed for legal claims or by courts.", GDPR + "A9-2-f"
    ),
    LegalPower(
        "gdpr-9-2-g",
        "UK GDPR Art. 9(2)(g) substantial public interest",
        "Needed for reasons of substantial public interest (DPA 2018 Schedule 1 Part 2).",
        GDPR + "A9-2-g",
    ),
    LegalPower(
        "gdpr-9-2-h",
        "UK GDPR Art. 9(2)(h) health or social care",
        "Needed for health or social care, medical diagnosis or the management of health and care services.",
        GDPR + "A9-2-h",
    ),
    LegalPower(
        "gdpr-9-2-i",
        "UK GDPR Art. 9(2)(i) public health",
        "Needed for reasons of public interest in public health, such as protecting against serious threats to health.",
        GDPR + "A9-2-i",
    ),
    LegalPower(
        "gdpr-9-2-j",
        "UK GDPR Art. 9(2)(j) archiving, research and statistics",
        "Needed for archiving in the public interest, scientific or historical research, or statistics.",
        GDPR + "A9-2-j",
    ),
]

ALL = {power.code: power for power in (*GATEWAYS, *LAWFUL_BASES, *SPECIAL_CATEGORY_CONDITIONS)}


def choices(powers: list[LegalPower]) -> list[tuple[str, str]]:
    return [(power.code, power.label) for power in powers]


def lookup(code: str) -> LegalPower | None:
    return ALL.get(code or "")
