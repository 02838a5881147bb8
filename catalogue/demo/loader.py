"""The demo catalogue loaded by `python manage.py load_demo`.

Seven public bodies, about fifty datasets with distributions, data dictionaries,
collection methods, validation checks and quality measurements, and derivation chains
across departments (survey -> cleaned microdata -> regional estimates -> published
tables -> dashboard extract), plus drafts, a withdrawn dataset and restricted ones,
data-sharing agreements between the departments (catalogue.demo.agreements), and the
departments' glossaries, which the data dictionaries' fields link to (catalogue.demo.glossary).

Loading is idempotent: a record that already exists (by slug or natural key) is left
exactly as it is, so a second run changes nothing, not even the history.
Download links point at this server's own /demo/files/ (no outside address is ever
contacted by the demo), and each distribution's byte size is the real size of its file. A
few links point where nothing is served (MOVED_FILES), so the link checks, which load_demo
runs in-process (catalogue.own_site), give the datasets different scores.
"""

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from catalogue import services
from catalogue.actors import system_actor
from catalogue.demo.agreements import agreements_load
from catalogue.demo.files import sample_file_bytes, sample_rows
from catalogue.demo.glossary import field_links, glossary_load
from catalogue.harvest import services as harvest_services
from catalogue.harvest.models import HarvestSource
from catalogue.models import (
    CollectionMethod,
    Dataset,
    Distribution,
    Field,
    Membership,
    Organisation,
    QualityMeasurement,
    ValidationCheck,
    VocabularyTerm,
)
from provenance.models import Activity, Agent, Derivation
from provenance.services import activity_record, agent_record, derivation_add

DEMO_NAMESPACE = uuid.UUID("6f1d8c2e-4b7a-4f0e-9a51-2c3d4e5f6a7b")
DEMO_PASSWORD = "provcat-demo"
ENGLAND = ("http://statistics.data.gov.uk/id/statistical-geography/E92000001", "England")
UK = ("http://publications.europa.eu/resource/authority/country/GBR", "United Kingdom")

ORGANISATIONS = [
    (
        "ons",
        "Office for National Statistics",
        "ONS",
        "non-ministerial-department",
        "The UK's largest independent producer of official statistics: the census, labour market and population statistics.",
    ),
    (
        "ohs",
        "Office for Health Statistics",
        "OHS",
        "agency",
        "Collects and publishes statistics on hospital activity, waiting times and public health.",
    ),
    (
        "dft",
        "Department for Transport",
        "DfT",
        "ministerial-department",
        "Plans and invests in transport infrastructure; publishes road traffic, rail and accident statistics.",
    ),
    (
        "dfe",
        "Department for Education",
        "DfE",
        "ministerial-department",
        "Responsible for children's services and education; publishes school census and attainment data.",
    ),
    (
        "mhclg",
        "Ministry of Housing, Communities and Local Government",
        "MHCLG",
        "ministerial-department",
        "Housing, planning and local government; publishes housing supply and homelessness statistics.",
    ),
    (
        "ea",
        "Environment Agency",
        "EA",
        "public-body",
        "Protects and improves the environment; publishes water quality, flood and air monitoring data.",
    ),
    (
        "hmrc",
        "HM Revenue and Customs",
        "HMRC",
        "non-ministerial-department",
        "The UK's tax authority; publishes statistics on income, employment and trade.",
    ),
    (
        "welsh-government",
        "Welsh Government",
        "WG",
        "other",
        "The devolved government of Wales. Its StatsWales catalogue is harvested into this one: those datasets are "
        "written by the harvest and edited at the source.",
    ),
]

# Reusable data-dictionary pieces: (name, title, definition, datatype, unit, required)
GEO = [
    ("area_code", "Area code", "GSS code of the geographic area, e.g. E06000001 for Hartlepool.", "string", "", True),
    ("area_name", "Area name", "Official name of the geographic area.", "string", "", True),
]
LA = [
    ("la_code", "Local authority code", "GSS code of the local authority district.", "string", "", True),
    ("la_name", "Local authority name", "Name of the local authority district.", "string", "", True),
]
REGION = [("region_code", "Region code", "GSS code of the English region or devolved nation.", "string", "", True)]
PERIOD_Q = [("period", "Quarter", "Reference quarter, written YYYY-Qn, e.g. 2024-Q3.", "string", "", True)]
PERIOD_M = [("month", "Month", "Reference month, first day of the month.", "date", "", True)]
PERIOD_Y = [("year", "Year", "Reference year (calendar year unless stated).", "gYear", "", True)]
AGE_SEX = [
    ("age_band", "Age band", "Five-year age band, e.g. '25-29'; '90+' for 90 and over.", "string", "", True),
    ("sex", "Sex", "Sex as recorded: 'F' female, 'M' male.", "string", "", True),
]
ESTIMATE = [
    ("estimate", "Estimate", "The central estimate for the cell.", "decimal", "people", True),
    (
        "lower_ci",
        "Lower 95% confidence limit",
        "Lower bound of the 95% confidence interval.",
        "decimal",
        "people",
        False,
    ),
    (
        "upper_ci",
        "Upper 95% confidence limit",
        "Upper bound of the 95% confidence interval.",
        "decimal",
        "people",
        False,
    ),
]
RESPONDENT = [
    (
        "respondent_id",
        "Respondent identifier",
        "Pseudonymised identifier of the person interviewed; stable across waves.",
        "string",
        "",
        True,
    ),
    ("household_id", "Household identifier", "Pseudonymised identifier of the household.", "string", "", True),
    ("interview_date", "Interview date", "Date the interview took place.", "date", "", True),
    ("wave", "Wave", "Interview wave, 1 to 5, in the rotating panel.", "integer", "", True),
    ("weight", "Survey weight", "Calibrated person weight; sums to the population total.", "decimal", "", True),
]


@dataclass
class DatasetSpec:
    slug: str
    title: str
    org: str
    description: str
    keywords: list[str]
    themes: list[str]
    frequency: str
    fields: list[tuple]
    method: tuple  # (method_type, description, population)
    sources: list[str] = field(default_factory=list)
    transformation: str = ""
    status: str = "published"
    access: str = "PUBLIC"
    formats: list[str] = field(default_factory=lambda: ["CSV"])
    licence: str = "OGL_3_0"
    checks: list[tuple] = field(default_factory=list)  # (name, rule, outcome, checked, failed)
    measurements: list[tuple] = field(default_factory=list)  # (dimension, metric, value, unit)
    temporal: tuple = (dt.date(2015, 1, 1), dt.date(2024, 12, 31))
    spatial: tuple = ENGLAND
    withdrawn_reason: str = ""


def _counts(name, title, definition, unit="count"):
    return [(name, title, definition, "integer", unit, True)]


S = DatasetSpec
DATASETS: list[DatasetSpec] = [
    # --- ONS: the Labour Force Survey pipeline (survey -> cleaned -> regional -> tables -> dashboard)
    S(
        "lfs-responses",
        "Labour Force Survey: interview responses",
        "ons",
        "Person-level responses to the Labour Force Survey, the largest household survey in the UK, "
        "as captured by interviewers each quarter before any editing or imputation.",
        ["labour market", "employment", "survey", "microdata"],
        ["ECON", "SOCI"],
        "QUARTERLY",
        RESPONDENT
        + [
            (
                "economic_activity",
                "Economic activity",
                "Self-reported activity in the reference week: employed, unemployed or inactive (ILO definitions).",
                "string",
                "",
                True,
            ),
            (
                "hours_worked",
                "Usual hours worked",
                "Usual weekly hours in the main job, including paid overtime.",
                "decimal",
                "hours",
                False,
            ),
        ],
        (
            "survey",
            "Face-to-face and telephone interviews with about 35,000 households a quarter in a rotating five-wave panel.",
            "People aged 16 and over living in private households in the UK",
        ),
        access="RESTRICTED",
        spatial=UK,
        checks=[
            (
                "Interview dates within the quarter",
                "interview_date falls within the reference quarter",
                "pass",
                84210,
                0,
            )
        ],
    ),
    S(
        "lfs-cleaned-microdata",
        "Labour Force Survey: cleaned microdata",
        "ons",
        "Edited and imputed Labour Force Survey microdata: out-of-range values corrected, non-response imputed, "
        "weights calibrated to the latest population estimates.",
        ["labour market", "employment", "microdata", "imputation"],
        ["ECON", "SOCI"],
        "QUARTERLY",
        RESPONDENT
        + [
            ("economic_activity", "Economic activity", "ILO economic activity after editing.", "string", "", True),
            ("imputed", "Imputed", "True when any value in the record was imputed.", "boolean", "", True),
        ],
        (
            "derived",
            "Produced from the raw responses by automatic editing rules and donor imputation.",
            "People aged 16 and over in private households",
        ),
        sources=["lfs-responses", "mid-year-population-estimates"],
        transformation="Automatic editing, donor imputation for item non-response, calibration of weights to mid-year population estimates.",
        spatial=UK,
        checks=[
            ("No duplicate respondent identifiers", "respondent_id is unique within a quarter", "fail", 84210, 37),
            ("Weights sum to population", "sum(weight) within 0.1% of the population total", "pass", 84210, 0),
        ],
        measurements=[("completeness", "Share of records with economic activity present", 99.6, "percent")],
    ),
    S(
        "regional-labour-market-estimates",
        "Regional labour market estimates",
        "ons",
        "Quarterly estimates of employment, unemployment and economic inactivity for the English regions and devolved nations, "
        "with 95% confidence intervals.",
        ["labour market", "employment rate", "unemployment", "regions"],
        ["ECON", "REGI"],
        "QUARTERLY",
        REGION
        + PERIOD_Q
        + [("measure", "Measure", "Which rate: employment, unemployment or inactivity.", "string", "", True)]
        + ESTIMATE,
        ("derived", "Weighted estimates from the cleaned Labour Force Survey microdata.", "Regions of the UK"),
        sources=["lfs-cleaned-microdata"],
        transformation="Weighted aggregation to regions; variance estimation by bootstrap.",
        spatial=UK,
        checks=[("Rates between 0 and 100", "every rate lies within [0, 100]", "pass", 1320, 0)],
        measurements=[("accuracy", "Median coefficient of variation of regional estimates", 2.1, "percent")],
    ),
    S(
        "labour-market-statistics-tables",
        "Labour market statistics: published tables",
        "ons",
        "The monthly labour market bulletin tables: headline employment, unemployment and inactivity rates, seasonally adjusted.",
        ["labour market", "official statistics", "seasonally adjusted"],
        ["ECON"],
        "MONTHLY",
        PERIOD_M
        + [
            ("measure", "Measure", "Headline measure name.", "string", "", True),
            ("value", "Value", "Seasonally adjusted rate.", "decimal", "percent", True),
        ],
        ("derived", "Seasonal adjustment of the regional estimates with X-13ARIMA-SEATS.", "United Kingdom"),
        sources=["regional-labour-market-estimates"],
        transformation="Seasonal adjustment (X-13ARIMA-SEATS), rounding and table layout.",
        formats=["CSV", "XLSX"],
        spatial=UK,
        checks=[("Headline matches bulletin", "headline rates equal the published bulletin", "pass", 240, 0)],
    ),
    S(
        "employment-dashboard-extract",
        "Employment dashboard extract",
        "ons",
        "A compact extract of the headline labour market series that feeds the public employment dashboard.",
        ["labour market", "dashboard"],
        ["ECON"],
        "MONTHLY",
        PERIOD_M
        + [
            (
                "employment_rate",
                "Employment rate",
                "Employment rate, people aged 16 to 64, seasonally adjusted.",
                "decimal",
                "percent",
                True,
            ),
            (
                "unemployment_rate",
                "Unemployment rate",
                "Unemployment rate, people aged 16 and over, seasonally adjusted.",
                "decimal",
                "percent",
                True,
            ),
        ],
        ("derived", "Selected series from the published tables, pivoted for the dashboard.", "United Kingdom"),
        sources=["labour-market-statistics-tables"],
        transformation="Selection of headline series and pivot to one row per month.",
        formats=["JSON", "CSV"],
        spatial=UK,
    ),
    # --- ONS: census and population (hubs feeding other departments)
    S(
        "census-2021-population",
        "Census 2021: usual resident population by output area",
        "ons",
        "Usual resident population on census day 2021 by output area, five-year age band and sex.",
        ["census", "population", "output areas"],
        ["SOCI", "REGI"],
        "DECENNIAL",
        GEO + AGE_SEX + _counts("population", "Usual residents", "Number of usual residents in the cell.", "people"),
        (
            "census",
            "A full count of every household and communal establishment on 21 March 2021, online first with field follow-up.",
            "Everyone usually resident in England and Wales",
        ),
        temporal=(dt.date(2021, 3, 21), dt.date(2021, 3, 21)),
        checks=[
            (
                "Output-area totals add to national total",
                "sum over output areas equals the national total",
                "pass",
                188880,
                0,
            )
        ],
        measurements=[("completeness", "Person response rate", 97.0, "percent")],
    ),
    S(
        "mid-year-population-estimates",
        "Mid-year population estimates",
        "ons",
        "Estimates of the usual resident population on 30 June each year for local authorities, by single year of age and sex, "
        "rolled forward from the census with births, deaths and migration.",
        ["population", "estimates", "demography"],
        ["SOCI", "REGI"],
        "ANNUAL",
        LA + PERIOD_Y + AGE_SEX + _counts("population", "Population", "Estimated usual resident population.", "people"),
        (
            "modelled",
            "Cohort-component method: census base plus births, deaths and migration.",
            "Usual residents of England and Wales",
        ),
        sources=["census-2021-population", "births-registrations", "deaths-registrations"],
        transformation="Cohort-component roll-forward from the census base.",
        checks=[("No negative populations", "population >= 0 for every cell", "pass", 1254000, 0)],
        measurements=[("accuracy", "Mean absolute revision against the next census", 1.4, "percent")],
    ),
    S(
        "births-registrations",
        "Births registered in England and Wales",
        "ons",
        "Live births registered each year by local authority of usual residence of the mother and age of mother.",
        ["births", "vital statistics", "registrations"],
        ["SOCI", "HEAL"],
        "ANNUAL",
        LA
        + PERIOD_Y
        + [
            (
                "mother_age_band",
                "Age band of mother",
                "Age of the mother at birth, five-year bands.",
                "string",
                "",
                True,
            )
        ]
        + _counts("live_births", "Live births", "Number of live births registered.", "births"),
        (
            "administrative",
            "From birth registrations made by local registrars.",
            "All live births registered in England and Wales",
        ),
    ),
    S(
        "deaths-registrations",
        "Deaths registered in England and Wales",
        "ons",
        "Deaths registered each year by local authority of usual residence, age, sex and underlying cause (ICD-10 chapter).",
        ["deaths", "mortality", "vital statistics"],
        ["SOCI", "HEAL"],
        "ANNUAL",
        LA
        + PERIOD_Y
        + AGE_SEX
        + [("icd10_chapter", "ICD-10 chapter", "Chapter of the underlying cause of death, ICD-10.", "string", "", True)]
        + _counts("deaths", "Deaths", "Number of deaths registered.", "deaths"),
        (
            "administrative",
            "From death registrations and medical certificates of cause of death.",
            "All deaths registered in England and Wales",
        ),
    ),
    S(
        "population-projections",
        "Subnational population projections",
        "ons",
        "Projected population of local authorities for 25 years, by age and sex, assuming recent trends continue.",
        ["population", "projections"],
        ["SOCI", "REGI"],
        "BIENNIAL",
        LA
        + PERIOD_Y
        + AGE_SEX
        + _counts("projected_population", "Projected population", "Projected usual resident population.", "people"),
        ("modelled", "Trend-based projection of fertility, mortality and migration.", "Local authorities in England"),
        sources=["mid-year-population-estimates"],
        transformation="Trend-based cohort-component projection, 25 years ahead.",
        temporal=(dt.date(2022, 1, 1), dt.date(2047, 12, 31)),
    ),
    S(
        "annual-population-survey",
        "Annual Population Survey: local labour market indicators",
        "ons",
        "Local authority estimates of employment and qualifications from the Annual Population Survey.",
        ["labour market", "local authorities", "survey"],
        ["ECON", "REGI"],
        "QUARTERLY",
        LA + PERIOD_Q + ESTIMATE,
        (
            "survey",
            "Labour Force Survey waves 1 and 5 plus a local boost sample.",
            "People aged 16 and over in private households",
        ),
        sources=["lfs-cleaned-microdata"],
        transformation="Pooled four-quarter estimates with the local boost sample.",
    ),
    # --- OHS: health
    S(
        "hospital-episode-records",
        "Hospital episode records",
        "ohs",
        "Record-level admitted patient care episodes from NHS hospitals in England (pseudonymised).",
        ["hospital", "admissions", "episodes", "microdata"],
        ["HEAL"],
        "MONTHLY",
        [
            (
                "episode_id",
                "Episode identifier",
                "Pseudonymised identifier of the consultant episode.",
                "string",
                "",
                True,
            ),
            ("patient_pseudo_id", "Patient pseudonym", "Pseudonymised NHS number.", "string", "", True),
            ("admission_date", "Admission date", "Date the patient was admitted.", "date", "", True),
            ("primary_diagnosis", "Primary diagnosis", "ICD-10 code of the primary diagnosis.", "string", "", True),
            ("provider_code", "Provider code", "ODS code of the NHS trust.", "string", "", True),
        ],
        (
            "administrative",
            "Submitted monthly by every NHS trust through the Secondary Uses Service.",
            "Admitted patient care in NHS hospitals in England",
        ),
        access="NON_PUBLIC",
        checks=[("Valid ICD-10 codes", "primary_diagnosis is a valid ICD-10 code", "warn", 1840000, 212)],
    ),
    S(
        "hospital-admissions-monthly",
        "Hospital admissions by region and month",
        "ohs",
        "Counts of finished admission episodes by region, month and ICD-10 chapter of the primary diagnosis.",
        ["hospital", "admissions", "NHS", "population"],
        ["HEAL"],
        "MONTHLY",
        REGION
        + PERIOD_M
        + [("icd10_chapter", "ICD-10 chapter", "Chapter of the primary diagnosis.", "string", "", True)]
        + _counts("admissions", "Admissions", "Finished admission episodes.", "episodes"),
        (
            "derived",
            "Aggregated from hospital episode records; small counts suppressed.",
            "Admissions to NHS hospitals in England",
        ),
        sources=["hospital-episode-records"],
        transformation="Aggregation by region, month and diagnosis chapter; counts under 5 suppressed.",
        checks=[("Small counts suppressed", "no published cell between 1 and 4", "pass", 9240, 0)],
        measurements=[("currentness", "Days from month end to publication", 45, "days")],
    ),
    S(
        "admission-rates-per-100k",
        "Hospital admission rates per 100,000 population",
        "ohs",
        "Directly age-standardised admission rates per 100,000 population by region, using the mid-year population estimates as denominators.",
        ["hospital", "admission rates", "age-standardised", "population"],
        ["HEAL", "SOCI"],
        "ANNUAL",
        REGION
        + PERIOD_Y
        + [
            (
                "rate",
                "Rate per 100,000",
                "Directly age-standardised admission rate per 100,000 population.",
                "decimal",
                "per 100,000",
                True,
            )
        ],
        (
            "derived",
            "Admissions divided by population, standardised to the 2013 European Standard Population.",
            "Resident population of England",
        ),
        sources=["hospital-admissions-monthly", "mid-year-population-estimates"],
        transformation="Join of admissions to population denominators; direct age standardisation.",
        checks=[("Denominators present", "every region-year has a population denominator", "pass", 90, 0)],
    ),
    S(
        "health-services-demand-model",
        "Health services demand projections",
        "ohs",
        "Projected demand for hospital beds by region for the next ten years, from admission rates applied to population projections.",
        ["hospital", "demand", "projections", "beds"],
        ["HEAL"],
        "ANNUAL",
        REGION
        + PERIOD_Y
        + [("bed_days", "Projected bed days", "Projected occupied bed days.", "decimal", "bed days", True)],
        ("modelled", "Admission rates applied to subnational population projections.", "NHS hospitals in England"),
        sources=["admission-rates-per-100k", "population-projections"],
        transformation="Rates times projected population, by age band, summed to regions.",
        temporal=(dt.date(2025, 1, 1), dt.date(2034, 12, 31)),
    ),
    S(
        "nhs-waiting-times",
        "NHS referral to treatment waiting times",
        "ohs",
        "Monthly counts of patients waiting for consultant-led elective care, by trust and weeks waited.",
        ["waiting times", "NHS", "elective care"],
        ["HEAL"],
        "MONTHLY",
        PERIOD_M
        + [
            ("provider_code", "Provider code", "ODS code of the NHS trust.", "string", "", True),
            ("weeks_waited_band", "Weeks waited", "Band of weeks waited, e.g. '18-52'.", "string", "", True),
        ]
        + _counts("patients", "Patients waiting", "Incomplete pathways at month end.", "patients"),
        ("administrative", "Monthly returns from NHS trusts.", "Patients on elective waiting lists in England"),
        formats=["CSV", "XLSX"],
        checks=[("Returns from every trust", "one return per active trust", "pass", 154, 0)],
    ),
    S(
        "public-health-outcomes",
        "Public health outcomes indicators",
        "ohs",
        "Indicators of public health outcomes (life expectancy, smoking prevalence, obesity) by local authority.",
        ["public health", "life expectancy", "indicators"],
        ["HEAL", "REGI"],
        "ANNUAL",
        LA
        + PERIOD_Y
        + [
            ("indicator", "Indicator", "Indicator name.", "string", "", True),
            ("value", "Value", "Indicator value.", "decimal", "", True),
        ],
        ("derived", "Compiled from registrations, surveys and population estimates.", "Local authorities in England"),
        sources=["deaths-registrations", "mid-year-population-estimates"],
        transformation="Indicator calculations per the public health outcomes framework definitions.",
    ),
    # --- DfT: transport
    S(
        "road-traffic-counts",
        "Road traffic counts at count points",
        "dft",
        "Annual average daily flows of motor vehicles at around 8,000 count points on major and minor roads.",
        ["road traffic", "vehicles", "counts"],
        ["TRAN"],
        "ANNUAL",
        [
            ("count_point_id", "Count point", "Identifier of the count point.", "integer", "", True),
            ("road_name", "Road", "Road name, e.g. 'A1'.", "string", "", True),
            ("latitude", "Latitude", "WGS84 latitude of the count point.", "decimal", "degrees", True),
            ("longitude", "Longitude", "WGS84 longitude of the count point.", "decimal", "degrees", True),
        ]
        + PERIOD_Y
        + _counts("aadf", "Annual average daily flow", "Vehicles passing on an average day.", "vehicles"),
        (
            "sensor",
            "Manual 12-hour counts and automatic traffic counters, expanded to annual averages.",
            "Roads in Great Britain",
        ),
        formats=["CSV", "GEOJSON"],
        licence="OGL_3_0",
        checks=[("Coordinates inside Great Britain", "latitude/longitude inside the GB bounding box", "pass", 8130, 0)],
        measurements=[("accuracy", "Share of count points with automatic counters", 28.5, "percent")],
    ),
    S(
        "road-traffic-estimates",
        "Road traffic estimates by local authority",
        "dft",
        "Vehicle miles travelled each year by vehicle type and local authority.",
        ["road traffic", "vehicle miles", "local authorities"],
        ["TRAN", "REGI"],
        "ANNUAL",
        LA
        + PERIOD_Y
        + [
            ("vehicle_type", "Vehicle type", "Cars, vans, lorries, buses or motorcycles.", "string", "", True),
            ("vehicle_miles", "Vehicle miles", "Vehicle miles travelled (millions).", "decimal", "million miles", True),
        ],
        ("derived", "Count point flows multiplied by road lengths, by road category.", "Roads in England"),
        sources=["road-traffic-counts"],
        transformation="Flows times link lengths, summed to local authorities.",
    ),
    S(
        "road-casualties",
        "Reported road casualties",
        "dft",
        "Personal-injury road collisions reported to the police, with casualties by severity.",
        ["road safety", "casualties", "collisions"],
        ["TRAN", "JUST"],
        "ANNUAL",
        [
            ("collision_id", "Collision", "Police collision reference.", "string", "", True),
            ("collision_date", "Date", "Date of the collision.", "date", "", True),
            ("severity", "Severity", "Fatal, serious or slight.", "string", "", True),
        ]
        + LA,
        (
            "administrative",
            "STATS19 returns from police forces.",
            "Reported personal-injury road collisions in Great Britain",
        ),
        checks=[("Severity coded", "severity is fatal, serious or slight", "pass", 104000, 0)],
    ),
    S(
        "casualty-rates",
        "Road casualty rates per billion vehicle miles",
        "dft",
        "Casualty rates by road user type and local authority, per billion vehicle miles.",
        ["road safety", "casualty rates"],
        ["TRAN"],
        "ANNUAL",
        LA
        + PERIOD_Y
        + [("rate", "Rate", "Casualties per billion vehicle miles.", "decimal", "per billion miles", True)],
        ("derived", "Casualties divided by traffic estimates.", "Local authorities in England"),
        sources=["road-casualties", "road-traffic-estimates"],
        transformation="Casualty counts divided by vehicle miles.",
    ),
    S(
        "rail-passenger-journeys",
        "Rail passenger journeys",
        "dft",
        "Quarterly passenger journeys by train operator.",
        ["rail", "passengers", "journeys"],
        ["TRAN"],
        "QUARTERLY",
        PERIOD_Q
        + [("operator", "Train operator", "Name of the train operating company.", "string", "", True)]
        + _counts("journeys", "Journeys", "Passenger journeys (thousands).", "thousand journeys"),
        (
            "administrative",
            "Ticket sales recorded by the rail industry's settlement system.",
            "National Rail services in Great Britain",
        ),
        formats=["CSV", "ODS"],
    ),
    S(
        "bus-service-statistics",
        "Local bus passenger journeys",
        "dft",
        "Passenger journeys on local bus services by local authority.",
        ["bus", "passengers", "local transport"],
        ["TRAN", "REGI"],
        "ANNUAL",
        LA + PERIOD_Y + _counts("journeys", "Journeys", "Passenger journeys (thousands).", "thousand journeys"),
        ("administrative", "Returns from bus operators.", "Local bus services in England"),
        status="draft",
    ),
    # --- DfE: education
    S(
        "school-census",
        "School census: pupils by school",
        "dfe",
        "Pupil numbers by school, year group and characteristics, from the termly school census.",
        ["schools", "pupils", "census", "education"],
        ["EDUC"],
        "ANNUAL_2",
        [
            ("urn", "School URN", "Unique reference number of the school.", "integer", "", True),
            ("school_name", "School name", "Name of the school.", "string", "", True),
        ]
        + LA
        + [("year_group", "Year group", "National curriculum year group.", "string", "", True)]
        + _counts("pupils", "Pupils", "Number of pupils on roll.", "pupils"),
        (
            "administrative",
            "Statutory termly return from every state-funded school.",
            "Pupils in state-funded schools in England",
        ),
        checks=[("One return per open school", "every open school has a return", "pass", 21600, 0)],
        measurements=[("completeness", "Schools returning on time", 99.2, "percent")],
    ),
    S(
        "school-attainment",
        "Key stage 4 attainment by school",
        "dfe",
        "GCSE attainment measures (Attainment 8, Progress 8) by school.",
        ["schools", "attainment", "GCSE"],
        ["EDUC"],
        "ANNUAL",
        [
            ("urn", "School URN", "Unique reference number of the school.", "integer", "", True),
            ("attainment8", "Attainment 8", "Average Attainment 8 score per pupil.", "decimal", "points", True),
            ("progress8", "Progress 8", "Progress 8 score.", "decimal", "", False),
        ],
        (
            "administrative",
            "Exam results from awarding bodies matched to the school census.",
            "Pupils at the end of key stage 4",
        ),
        sources=["school-census"],
        transformation="Exam results matched to pupils on roll.",
    ),
    S(
        "pupil-projections",
        "National pupil projections",
        "dfe",
        "Projected pupil numbers by school phase for the next ten years.",
        ["schools", "pupils", "projections"],
        ["EDUC"],
        "ANNUAL",
        PERIOD_Y
        + [("phase", "Phase", "Nursery, primary or secondary.", "string", "", True)]
        + _counts("pupils", "Projected pupils", "Projected number of pupils.", "pupils"),
        ("modelled", "School census trends applied to population projections.", "Pupils in England"),
        sources=["school-census", "population-projections"],
        transformation="Participation rates times projected population.",
        temporal=(dt.date(2025, 1, 1), dt.date(2034, 12, 31)),
    ),
    S(
        "school-places-capacity",
        "School capacity and places planning",
        "dfe",
        "School capacity and forecast pupil numbers by local authority planning area.",
        ["schools", "capacity", "places"],
        ["EDUC", "REGI"],
        "ANNUAL",
        LA + PERIOD_Y + _counts("capacity", "Capacity", "Number of school places.", "places"),
        ("derived", "Capacity returns joined with pupil projections.", "State-funded schools in England"),
        sources=["pupil-projections"],
        transformation="Local forecasts reconciled with national pupil projections.",
    ),
    S(
        "free-school-meals",
        "Pupils eligible for free school meals",
        "dfe",
        "Number and share of pupils known to be eligible for free school meals by local authority.",
        ["schools", "free school meals", "disadvantage"],
        ["EDUC", "SOCI"],
        "ANNUAL",
        LA + PERIOD_Y + _counts("eligible", "Eligible pupils", "Pupils eligible for free school meals.", "pupils"),
        ("derived", "From the school census.", "Pupils in state-funded schools"),
        sources=["school-census"],
        transformation="Aggregation of pupil-level eligibility flags.",
    ),
    S(
        "teacher-workforce",
        "School workforce: teachers",
        "dfe",
        "Teachers in service by grade and subject.",
        ["teachers", "workforce"],
        ["EDUC"],
        "ANNUAL",
        PERIOD_Y
        + [("grade", "Grade", "Teacher grade.", "string", "", True)]
        + _counts("fte", "Full-time equivalent", "Teachers, full-time equivalent.", "FTE"),
        ("administrative", "School workforce census.", "Teachers in state-funded schools"),
        status="draft",
    ),
    # --- MHCLG: housing
    S(
        "housing-completions",
        "New build dwelling completions",
        "mhclg",
        "Permanent dwellings completed each quarter by tenure and local authority.",
        ["housing", "new build", "completions"],
        ["REGI", "ECON"],
        "QUARTERLY",
        LA
        + PERIOD_Q
        + [("tenure", "Tenure", "Private enterprise, housing association or local authority.", "string", "", True)]
        + _counts("completions", "Completions", "Dwellings completed.", "dwellings"),
        ("administrative", "Building control inspection records.", "New dwellings in England"),
        checks=[("Every authority reports", "one row per authority per quarter", "pass", 1236, 0)],
    ),
    S(
        "dwelling-stock",
        "Dwelling stock by tenure",
        "mhclg",
        "Estimated number of dwellings by tenure and local authority on 31 March.",
        ["housing", "dwelling stock"],
        ["REGI"],
        "ANNUAL",
        LA + PERIOD_Y + _counts("dwellings", "Dwellings", "Number of dwellings.", "dwellings"),
        ("derived", "Census dwelling counts rolled forward with completions and demolitions.", "Dwellings in England"),
        sources=["census-2021-population", "housing-completions"],
        transformation="Census base plus net additions from completions.",
    ),
    S(
        "household-projections",
        "Household projections",
        "mhclg",
        "Projected number of households by local authority.",
        ["housing", "households", "projections"],
        ["REGI", "SOCI"],
        "BIENNIAL",
        LA + PERIOD_Y + _counts("households", "Households", "Projected households.", "households"),
        ("modelled", "Household representative rates applied to population projections.", "Households in England"),
        sources=["population-projections"],
        transformation="Household formation rates times projected population.",
    ),
    S(
        "housing-need-assessment",
        "Local housing need assessment",
        "mhclg",
        "Minimum annual local housing need by local authority, from household growth and affordability.",
        ["housing", "housing need", "planning"],
        ["REGI"],
        "ANNUAL",
        LA + PERIOD_Y + _counts("need", "Housing need", "Minimum annual local housing need.", "dwellings"),
        ("derived", "Standard method: household growth adjusted for affordability.", "Local authorities in England"),
        sources=["household-projections", "dwelling-stock"],
        transformation="Standard method calculation.",
    ),
    S(
        "homelessness-statistics",
        "Statutory homelessness",
        "mhclg",
        "Households owed a prevention or relief duty by local authority.",
        ["homelessness", "housing"],
        ["SOCI"],
        "QUARTERLY",
        LA + PERIOD_Q + _counts("households", "Households", "Households owed a duty.", "households"),
        (
            "administrative",
            "Case-level returns from local authorities (H-CLIC).",
            "Households assessed by local authorities in England",
        ),
        access="RESTRICTED",
    ),
    S(
        "homelessness-tables",
        "Statutory homelessness: local authority tables",
        "mhclg",
        "Households owed a homelessness prevention or relief duty each quarter, by local authority: the published "
        "tables from the case-level returns.",
        ["homelessness", "housing", "households", "local authorities"],
        ["SOCI", "REGI"],
        "QUARTERLY",
        LA
        + PERIOD_Q
        + _counts("households", "Households", "Households owed a prevention or relief duty.", "households")
        + _counts(
            "temporary_accommodation",
            "In temporary accommodation",
            "Households in temporary accommodation arranged by the authority at the end of the quarter.",
            "households",
        ),
        (
            "derived",
            "Aggregated from the case-level returns; counts under 5 suppressed.",
            "Households assessed by local authorities in England",
        ),
        sources=["homelessness-statistics"],
        transformation="Aggregation of case-level returns to local authorities and quarters; small counts suppressed.",
        checks=[("Every authority reports", "one row per authority per quarter", "pass", 1236, 0)],
    ),
    S(
        "energy-performance-certificates",
        "Energy performance certificates",
        "mhclg",
        "Energy performance certificates lodged for domestic buildings.",
        ["energy", "buildings", "EPC"],
        ["ENER", "ENVI"],
        "MONTHLY",
        [
            ("certificate_id", "Certificate", "Certificate number.", "string", "", True),
            ("rating", "Energy rating", "A (best) to G.", "string", "", True),
        ]
        + LA,
        ("administrative", "Lodged by accredited energy assessors.", "Domestic buildings in England and Wales"),
        status="withdrawn",
        withdrawn_reason="Replaced by the new energy performance register; this extract is no longer updated.",
    ),
    # --- EA: environment
    S(
        "water-quality-samples",
        "Water quality sampling results",
        "ea",
        "Results of water samples taken at monitoring points on rivers, lakes and coasts.",
        ["water quality", "rivers", "sampling", "environment"],
        ["ENVI"],
        "DAILY",
        [
            ("sampling_point", "Sampling point", "Identifier of the sampling point.", "string", "", True),
            ("sample_time", "Sample time", "Date and time of the sample.", "datetime", "", True),
            ("determinand", "Determinand", "The substance measured, e.g. 'Ammonia'.", "string", "", True),
            ("result", "Result", "Measured value.", "decimal", "", True),
            ("unit", "Unit", "Unit of the result, e.g. 'mg/l'.", "string", "", True),
        ],
        (
            "sensor",
            "Samples taken by field officers and analysed in accredited laboratories.",
            "Surface waters in England",
        ),
        formats=["CSV", "JSON"],
        checks=[("Result units recognised", "unit is in the determinand's unit list", "pass", 412000, 0)],
        measurements=[("currentness", "Median days from sample to publication", 9, "days")],
    ),
    S(
        "river-water-quality-classification",
        "River water quality classification",
        "ea",
        "Ecological and chemical status of river water bodies under the Water Framework Directive.",
        ["water quality", "rivers", "classification"],
        ["ENVI"],
        "ANNUAL",
        [
            ("water_body_id", "Water body", "Water body identifier.", "string", "", True),
            ("ecological_status", "Ecological status", "High, good, moderate, poor or bad.", "string", "", True),
        ]
        + PERIOD_Y,
        ("derived", "Classification rules applied to sampling results.", "River water bodies in England"),
        sources=["water-quality-samples"],
        transformation="Water Framework Directive classification rules.",
    ),
    S(
        "bathing-water-quality",
        "Bathing water quality",
        "ea",
        "Annual classification of designated bathing waters.",
        ["bathing water", "beaches", "water quality"],
        ["ENVI"],
        "ANNUAL",
        [
            ("bathing_water", "Bathing water", "Name of the bathing water.", "string", "", True),
            ("classification", "Classification", "Excellent, good, sufficient or poor.", "string", "", True),
        ]
        + PERIOD_Y,
        ("derived", "Four years of E. coli and enterococci samples.", "Designated bathing waters in England"),
        sources=["water-quality-samples"],
        transformation="Percentile-based classification over four seasons.",
    ),
    S(
        "flood-warnings",
        "Flood warnings issued",
        "ea",
        "Flood alerts and warnings issued, with area and severity.",
        ["flooding", "warnings"],
        ["ENVI", "JUST"],
        "CONT",
        [
            ("warning_id", "Warning", "Identifier of the warning.", "string", "", True),
            ("severity", "Severity", "Flood alert, flood warning or severe flood warning.", "string", "", True),
            ("issued_at", "Issued", "When the warning was issued.", "datetime", "", True),
        ],
        ("sensor", "Issued from river level and rainfall telemetry.", "Flood warning areas in England"),
        formats=["JSON", "CSV"],
    ),
    S(
        "air-quality-monitoring",
        "Air quality monitoring network",
        "ea",
        "Hourly concentrations of nitrogen dioxide and particulate matter at monitoring sites.",
        ["air quality", "pollution", "NO2", "PM2.5"],
        ["ENVI", "HEAL"],
        "HOURLY",
        [
            ("site_id", "Site", "Monitoring site code.", "string", "", True),
            ("measured_at", "Hour", "End of the hour measured.", "datetime", "", True),
            ("no2", "NO2", "Nitrogen dioxide concentration.", "decimal", "µg/m3", False),
            ("pm25", "PM2.5", "Fine particulate matter concentration.", "decimal", "µg/m3", False),
        ],
        ("sensor", "Automatic analysers at fixed monitoring sites.", "Monitoring sites in England"),
        checks=[("Data capture above 85%", "share of valid hours per site >= 85%", "warn", 1600, 54)],
    ),
    S(
        "air-pollution-health-burden",
        "Mortality burden of air pollution",
        "ohs",
        "Estimated deaths attributable to long-term exposure to fine particulate matter, by local authority.",
        ["air quality", "mortality", "public health"],
        ["HEAL", "ENVI"],
        "ANNUAL",
        LA
        + PERIOD_Y
        + [
            (
                "attributable_fraction",
                "Attributable fraction",
                "Fraction of adult mortality attributable to PM2.5.",
                "decimal",
                "percent",
                True,
            )
        ],
        (
            "modelled",
            "Concentration-response functions applied to modelled exposure and deaths.",
            "Adults aged 30 and over in England",
        ),
        sources=["air-quality-monitoring", "deaths-registrations"],
        transformation="Population-weighted exposure times concentration-response coefficient.",
    ),
    # --- HMRC: tax and income
    S(
        "paye-real-time-information",
        "PAYE real time information: payrolled employees",
        "hmrc",
        "Monthly counts of payrolled employees and median pay by region and industry, from PAYE real time information.",
        ["employment", "earnings", "payroll", "labour market"],
        ["ECON"],
        "MONTHLY",
        REGION
        + PERIOD_M
        + [("industry", "Industry", "SIC 2007 section.", "string", "", True)]
        + _counts("employees", "Payrolled employees", "Number of payrolled employees.", "people")
        + [("median_pay", "Median monthly pay", "Median monthly pay of payrolled employees.", "decimal", "GBP", True)],
        (
            "administrative",
            "Submitted by employers through PAYE real time information.",
            "Employees paid through PAYE in the UK",
        ),
        spatial=UK,
        checks=[("Flash estimate revision under 1%", "revision to previous month's flash < 1%", "pass", 12, 0)],
    ),
    S(
        "personal-incomes",
        "Personal incomes statistics",
        "hmrc",
        "Distribution of taxable incomes by region, from the Survey of Personal Incomes.",
        ["income", "tax", "earnings"],
        ["ECON", "SOCI"],
        "ANNUAL",
        REGION
        + PERIOD_Y
        + [("median_income", "Median income", "Median total income of taxpayers.", "decimal", "GBP", True)],
        ("survey", "Sample of tax records.", "Individuals liable to UK income tax"),
        spatial=UK,
    ),
    S(
        "regional-earnings-dashboard",
        "Regional earnings and employment dashboard",
        "hmrc",
        "Joined regional series on earnings and employment for the regional economic dashboard.",
        ["earnings", "employment", "dashboard", "regions"],
        ["ECON", "REGI"],
        "MONTHLY",
        REGION
        + PERIOD_M
        + [
            ("median_pay", "Median monthly pay", "From PAYE real time information.", "decimal", "GBP", True),
            (
                "employment_rate",
                "Employment rate",
                "From the regional labour market estimates.",
                "decimal",
                "percent",
                True,
            ),
        ],
        ("derived", "Join of payroll and survey-based regional series.", "Regions of the UK"),
        sources=["paye-real-time-information", "regional-labour-market-estimates"],
        transformation="Join on region and month; survey quarters interpolated to months.",
        formats=["JSON"],
        spatial=UK,
    ),
    S(
        "trade-in-goods",
        "Overseas trade in goods",
        "hmrc",
        "Monthly value of goods imported and exported by commodity and partner country.",
        ["trade", "imports", "exports"],
        ["ECON", "INTR"],
        "MONTHLY",
        PERIOD_M
        + [
            ("commodity_code", "Commodity code", "Combined Nomenclature commodity code.", "string", "", True),
            ("partner_country", "Partner country", "ISO 3166 alpha-2 code of the partner country.", "string", "", True),
            ("value_gbp", "Value", "Trade value in pounds sterling.", "decimal", "GBP", True),
        ],
        ("administrative", "Customs declarations.", "UK trade in goods"),
        formats=["CSV", "JSON", "XLSX"],
        spatial=UK,
    ),
    S(
        "tax-receipts",
        "HMRC tax receipts",
        "hmrc",
        "Monthly cash receipts by tax.",
        ["tax", "receipts", "public finance"],
        ["ECON", "GOVE"],
        "MONTHLY",
        PERIOD_M
        + [
            ("tax", "Tax", "Tax or duty.", "string", "", True),
            ("receipts_gbp_m", "Receipts", "Cash receipts, £ million.", "decimal", "GBP million", True),
        ],
        ("administrative", "HMRC accounting systems.", "Taxes administered by HMRC"),
        spatial=UK,
        formats=["CSV", "ODS"],
    ),
    S(
        "local-economic-indicators",
        "Local economic indicators",
        "ons",
        "A compendium of local economic indicators (employment, earnings, housing, population) by local authority.",
        ["economy", "local authorities", "population", "indicators"],
        ["ECON", "REGI"],
        "ANNUAL",
        LA
        + PERIOD_Y
        + [
            ("indicator", "Indicator", "Indicator name.", "string", "", True),
            ("value", "Value", "Indicator value.", "decimal", "", True),
        ],
        ("derived", "Compiled from other official statistics.", "Local authorities in England"),
        sources=["annual-population-survey", "mid-year-population-estimates", "housing-completions"],
        transformation="Selection and harmonisation of indicators to local authority boundaries.",
    ),
    S(
        "wellbeing-survey",
        "Personal well-being estimates",
        "ons",
        "Ratings of life satisfaction, worthwhile, happiness and anxiety by local authority.",
        ["well-being", "survey", "population"],
        ["SOCI"],
        "ANNUAL",
        LA
        + PERIOD_Y
        + [
            ("measure", "Measure", "Life satisfaction, worthwhile, happiness or anxiety.", "string", "", True),
            ("mean_score", "Mean score", "Mean rating out of 10.", "decimal", "score", True),
        ],
        ("survey", "Four questions in the Annual Population Survey.", "Adults aged 16 and over"),
        sources=["annual-population-survey"],
        transformation="Weighted means by local authority.",
    ),
    S(
        "census-2031-test-design",
        "Census 2031 test: field design",
        "ons",
        "Design of the 2031 census field test (draft for internal review).",
        ["census", "design"],
        ["SOCI"],
        "NEVER",
        GEO + _counts("addresses", "Addresses", "Addresses in the test area.", "addresses"),
        ("census", "Field test of the online-first design.", "Test areas"),
        status="draft",
    ),
]

# Check runs recorded earlier than the latest, to give checks a history.
EARLIER_CHECK_RUNS = {
    ("lfs-cleaned-microdata", "No duplicate respondent identifiers"): [("pass", 83990, 0, 98)],
    ("road-traffic-counts", "Coordinates inside Great Britain"): [("fail", 8124, 3, 380), ("pass", 8127, 0, 745)],
}

DEMO_NOW = dt.datetime(2025, 11, 3, 9, 30, tzinfo=dt.UTC)


def _uuid(kind: str, key: str) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, f"{kind}:{key}")


# Files whose publisher moved them without updating the link (an archive folder nobody
# serves): their links answer 404, so the demo shows what a broken link costs in the score.
MOVED_FILES = {
    ("labour-market-statistics-tables", "XLSX"),
    ("trade-in-goods", "JSON"),
    ("road-casualties", "CSV"),
    ("tax-receipts", "ODS"),
    ("water-quality-samples", "JSON"),
}


def _demo_file_url(slug: str, fmt: str) -> str:
    if (slug, fmt) in MOVED_FILES:
        return f"{settings.PROVCAT_BASE_URI}/demo/files/archive/{slug}-2023.{fmt.lower()}"
    return f"{settings.PROVCAT_BASE_URI}/demo/files/{slug}.{fmt.lower()}"


def _demo_file_size(spec: "DatasetSpec", fmt: str) -> int:
    """The real size of the sample file the demo serves for this distribution, in bytes."""
    names = [f[0] for f in spec.fields]
    types = [f[3] for f in spec.fields]
    return len(sample_file_bytes(sample_rows(names, types), fmt.lower()))


class DemoLoader:
    """Writes the demo through the same services as the publishers' forms, as the system
    actor ``provcat-demo``: the history, the checks and the outbox work are those of any write."""

    def __init__(self, stdout=None):
        self.stdout = stdout
        self.created: dict[str, int] = {}
        self.terms = {(t.scheme, t.code): t for t in VocabularyTerm.objects.all()}
        self.actor = system_actor("demo")

    def _note(self, kind: str, count: int = 1):
        self.created[kind] = self.created.get(kind, 0) + count

    def term(self, scheme: str, code: str) -> VocabularyTerm:
        return self.terms[(scheme, code)]

    def load(self) -> dict[str, int]:
        with transaction.atomic():
            orgs = self.load_organisations()
            self.load_users(orgs)
            datasets = {spec.slug: self.load_dataset(spec, orgs) for spec in DATASETS}
            for spec in DATASETS:
                self.load_derivations(spec, datasets)
            self.load_harvest_sources(orgs)
            # After the datasets and their lineage: agreements cover published datasets, and
            # the derivations OHS made from ONS's registrations were made under one of them.
            agreements_load(self.actor, orgs, self._note)
            # The definitions the data dictionaries' fields already name (by IRI).
            glossary_load(self.actor, orgs, self._note)
        return self.created

    def load_harvest_sources(self, orgs: dict[str, Organisation]) -> None:
        """The Welsh Government's catalogue as a harvest source. It is served by this server
        (/demo/catalogues/), so the demo harvests without leaving it; `make run` starts its
        first harvest once the server answers, and beat the daily ones."""
        organisation = orgs["welsh-government"]
        url = f"{settings.PROVCAT_BASE_URI}/demo/catalogues/welsh-government.ttl"
        if HarvestSource.objects.filter(organisation=organisation, url=url).exists():
            return
        harvest_services.source_save(
            user=self.actor,
            organisation=organisation,
            data={
                "name": "StatsWales open data",
                "url": url,
                "kind": HarvestSource.Kind.DCAT,
                "schedule": HarvestSource.Schedule.DAILY,
                "allow_private_addresses": True,
                "description": "The Welsh Government's DCAT-AP catalogue (a copy served by this demo).",
            },
        )
        self._note("harvest sources")

    def load_organisations(self) -> dict[str, Organisation]:
        orgs = {}
        for slug, name, abbreviation, kind, description in ORGANISATIONS:
            org = Organisation.objects.filter(slug=slug).first()
            if org is None:
                org = services.organisation_create(
                    user=self.actor,
                    data={
                        "slug": slug,
                        "name": name,
                        "abbreviation": abbreviation,
                        "kind": kind,
                        "description": description,
                        "email": f"data@{slug}.example.gov.uk",
                        "homepage": f"{settings.PROVCAT_BASE_URI}/organisations/{slug}/",
                        "requires_review": slug == "ohs",
                    },
                )
                self._note("organisations")
            orgs[slug] = org
        return orgs

    def load_users(self, orgs: dict[str, Organisation]) -> None:
        User = get_user_model()
        if not User.objects.filter(username="admin").exists():
            User.objects.create_superuser("admin", "admin@example.gov.uk", DEMO_PASSWORD)
            self._note("users")
        for slug, org in orgs.items():
            # Admins approve their organisation's sharing agreements (catalogue.demo.agreements).
            for role in (Membership.Role.ADMIN, Membership.Role.EDITOR, Membership.Role.VIEWER):
                username = f"{slug}-{role}"
                user = User.objects.filter(username=username).first()
                if user is None:
                    user = User.objects.create_user(username, f"{username}@example.gov.uk", DEMO_PASSWORD)
                    self._note("users")
                if not Membership.objects.filter(user=user, organisation=org).exists():
                    services.membership_set(organisation=org, user=self.actor, member=user, role=role)
                    self._note("memberships")

    def load_dataset(self, spec: DatasetSpec, orgs: dict[str, Organisation]) -> Dataset:
        existing = Dataset.objects.filter(slug=spec.slug).first()
        if existing is not None:
            return existing
        org = orgs[spec.org]
        issued = DEMO_NOW.date() - dt.timedelta(days=400 + 7 * (len(spec.slug) % 30))
        modified = DEMO_NOW - dt.timedelta(days=3 * (len(spec.title) % 40))
        parts = [
            *self.distributions(spec, issued, modified),
            *self.fields(spec),
            self.collection_method(spec),
            *self.checks(spec, org),
            *self.measurements(spec),
        ]
        dataset = services.dataset_import(
            user=self.actor,
            organisation=org,
            data={
                "uuid": _uuid("dataset", spec.slug),
                "slug": spec.slug,
                "title": spec.title,
                "description": spec.description,
                "contact_name": f"{org.abbreviation} statistics team",
                "contact_email": f"statistics@{org.slug}.example.gov.uk",
                "licence": self.term("licence", spec.licence),
                "access_rights": spec.access,
                "temporal_start": spec.temporal[0],
                "temporal_end": spec.temporal[1],
                "spatial_uri": spec.spatial[0],
                "spatial_label": spec.spatial[1],
                "frequency": self.term("frequency", spec.frequency),
                "language": self.term("language", "ENG"),
                "version": "1.0",
                "landing_page": f"{settings.PROVCAT_BASE_URI}/datasets/{spec.slug}/",
                "issued": issued,
                "modified": modified,
                "status": spec.status,
                "published_at": modified if spec.status != "draft" else None,
                "withdrawn_at": modified if spec.status == "withdrawn" else None,
                "withdrawn_reason": spec.withdrawn_reason,
            },
            keywords=spec.keywords,
            themes=[self.term("theme", code) for code in spec.themes],
            parts=parts,
        )
        self._note("datasets")
        for part in parts:
            self._note(PART_NAMES[type(part)])
        return dataset

    def distributions(self, spec: DatasetSpec, issued, modified) -> list[Distribution]:
        distributions = []
        for position, fmt in enumerate(spec.formats):
            file_type = self.term("file-type", fmt)
            distributions.append(
                Distribution(
                    uuid=_uuid("distribution", f"{spec.slug}:{fmt}"),
                    title=f"{spec.title} ({file_type.label})",
                    # A direct download: DCAT-AP gives the same URL as access and download URL.
                    access_url=_demo_file_url(spec.slug, fmt),
                    download_url=_demo_file_url(spec.slug, fmt),
                    format=file_type,
                    media_type=self.terms.get(("media-type", file_type.media_type)),
                    byte_size=_demo_file_size(spec, fmt),
                    licence=self.term("licence", spec.licence),
                    issued=issued,
                    modified=modified,
                    position=position,
                )
            )
        return distributions

    def fields(self, spec: DatasetSpec) -> list[Field]:
        return [
            Field(
                position=position,
                name=name,
                title=title,
                definition=definition,
                datatype=datatype,
                unit=unit,
                required=required,
                concept_uri=field_links(spec.slug, name)[0],
                code_list_uri=field_links(spec.slug, name)[1],
            )
            for position, (name, title, definition, datatype, unit, required) in enumerate(spec.fields)
        ]

    def collection_method(self, spec: DatasetSpec) -> CollectionMethod:
        method_type, description, population = spec.method
        return CollectionMethod(
            method_type=method_type,
            description=description,
            population=population,
            period_start=spec.temporal[0],
            period_end=spec.temporal[1],
            source_systems="\n".join(spec.sources) if spec.sources else "",
        )

    def checks(self, spec: DatasetSpec, org: Organisation) -> list[ValidationCheck]:
        checks = []
        for index, (name, rule, outcome, checked, failed) in enumerate(spec.checks):
            runs = [*EARLIER_CHECK_RUNS.get((spec.slug, name), []), (outcome, checked, failed, 2 + index)]
            for run_outcome, run_checked, run_failed, days_ago in runs:
                checks.append(
                    ValidationCheck(
                        name=name,
                        rule=rule,
                        outcome=run_outcome,
                        records_checked=run_checked,
                        records_failed=run_failed,
                        run_at=DEMO_NOW - dt.timedelta(days=days_ago),
                        run_by=f"{org.abbreviation} validation pipeline",
                    )
                )
        return checks

    def measurements(self, spec: DatasetSpec) -> list[QualityMeasurement]:
        return [
            QualityMeasurement(
                dimension=dimension,
                metric=metric,
                value=value,
                unit=unit,
                measured_at=DEMO_NOW - dt.timedelta(days=5),
            )
            for dimension, metric, value, unit in spec.measurements
        ]

    def load_derivations(self, spec: DatasetSpec, datasets: dict[str, Dataset]) -> None:
        if not spec.sources:
            return
        derived = datasets[spec.slug]
        org = derived.publisher
        agent = Agent.objects.filter(uuid=_uuid("agent", org.slug)).first()
        if agent is None:
            agent = agent_record(
                user=self.actor,
                data={
                    "uuid": _uuid("agent", org.slug),
                    "name": f"{org.abbreviation} data pipeline",
                    "kind": Agent.Kind.SOFTWARE,
                    "organisation": org,
                },
            )
            self._note("agents")
        activity = Activity.objects.filter(uuid=_uuid("activity", spec.slug)).first()
        if activity is None:
            started = DEMO_NOW - dt.timedelta(days=30 + len(spec.slug))
            activity = activity_record(
                user=self.actor,
                data={
                    "uuid": _uuid("activity", spec.slug),
                    "kind": Activity.Kind.TRANSFORMATION,
                    "name": f"Produce {spec.title}",
                    "description": spec.transformation,
                    "code_reference": f"{settings.PROVCAT_BASE_URI}/code/{org.slug}/{spec.slug}",
                    "agent": agent,
                    "started_at": started,
                    "ended_at": started + dt.timedelta(hours=2),
                },
            )
            self._note("activities")
        for source_slug in spec.sources:
            source = datasets[source_slug]
            if Derivation.objects.filter(derived=derived, source=source).exists():
                continue
            derivation_add(
                derived=derived,
                source=source,
                activity=activity,
                user=self.actor,
                description=spec.transformation,
                valid_from=activity.started_at,
            )
            self._note("derivations")


PART_NAMES = {
    Distribution: "distributions",
    Field: "fields",
    CollectionMethod: "collection methods",
    ValidationCheck: "validation checks",
    QualityMeasurement: "quality measurements",
}


def demo_load(stdout=None) -> dict[str, int]:
    """Load the demo catalogue; returns what was created (empty on a second run)."""
    return DemoLoader(stdout).load()


def demo_file_rows(dataset: Dataset, rows: int = 5) -> list[list[str]]:
    """A small sample file for a demo distribution: the header and a few plausible rows."""
    columns = list(dataset.fields.values_list("name", "datatype"))
    return sample_rows([name for name, _ in columns], [datatype for _, datatype in columns], rows)
