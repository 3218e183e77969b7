#!/usr/bin/env python3
"""Write a synthetic dataset in the real format, valid against data/datapackage.json.

    python bench/generate.py --participants 1000000 --out bench/out/1000000/data [--seed 1]

Sizes follow the participants count N: N participants, N/10 events, N/10
locations, 3N event_participants rows (30 per event), N/20 quotes, N/100
topics, 3 topics per event, and one source document per 5 events (N/50
sources). Each source is a synthetic press-release-like text written from
the rows that cite it (about 3.5 KB, the size of a real release: the seed
is 2.2 KB and reports three events), so names appear in the text and every
evidence passage and quote is copied word for word from it. Hierarchies
(places in regions in countries, offices and people in organisations,
sub-events within their parent's dates) and every enum, pattern, minimum,
maximum, date and foreign-key rule of the package hold, so build.py accepts
the result. The output is the same byte for byte for the same seed and size.

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

COUNTRIES = {
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

HUBS = [  # (name, abbreviation, wikidata): international organisations many events involve
    ("Organization for Security and Co-operation in Europe", "OSCE", "Q81299"),
    ("International Organization for Migration", "IOM", "Q206479"),
    ("United Nations Office on Drugs and Crime", "UNODC", "Q1147136"),
    ("United Nations Children's Fund", "UNICEF", "Q740308"),
    ("United Nations Development Programme", "UNDP", "Q210094"),
]
TITLES = ["Gender and Anti-trafficking Officer", "Programme Coordinator", "Legal Adviser", "Head of Department",
          "First Deputy Governor", "Deputy Minister", "Senior Investigator", "Project Assistant", "Chairperson",
          "Director", "National Programme Officer", "Head of the Migration Service", "Regional Prosecutor", "Social Worker"]
GROUPS = ["heads of regional departments", "representatives of local non-governmental organizations", "media representatives",
          "students of the State University", "border guards", "labour inspectors", "school teachers", "judges and prosecutors",
          "community leaders", "returned migrants", "social workers", "police officers"]
TOPICS = ["identification of victims of trafficking", "the national referral mechanism", "safe labour migration",
          "child trafficking", "prosecution of traffickers", "assistance to victims", "public awareness in rural areas",
          "cross-border co-operation", "standards for shelters", "data collection on trafficking", "the national action plan",
          "protection of migrant workers", "forced labour in agriculture", "trafficking for sexual exploitation",
          "the role of civil society", "compensation for victims", "online recruitment by traffickers", "gender equality"]
EVENT_KINDS = ["consultations", "roundtable", "visit", "meeting", "conference", "training"]
KIND_PHRASES = {"consultations": "consultations on", "roundtable": "roundtable discussion on", "visit": "study visit on",
                "meeting": "working meeting on", "conference": "international conference on", "training": "training course on"}
ROLES = ["participant"] * 12 + ["speaker"] * 3 + ["organizer", "chair", "visitor", "visitor", "quoted"]
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


FIRST_DAY = datetime.date(2005, 1, 1).toordinal()
LAST_DAY = datetime.date(2024, 12, 31).toordinal()


class Text:
    """A source document built sentence by sentence; remembers which sentences name what."""

    def __init__(self):
        self.paragraphs = [[]]
        self.mentions = {}  # name -> list of sentences naming it

    def say(self, sentence, *names):
        self.paragraphs[-1].append(sentence)
        for name in names:
            self.mentions.setdefault(name, []).append(sentence)
        return sentence

    def paragraph(self):
        if self.paragraphs[-1]:
            self.paragraphs.append([])

    def render(self, header):
        body = "\n\n".join(" ".join(p) for p in self.paragraphs if p)
        return header + "\n\n" + body + "\n"

    def sentences(self):
        return [s for p in self.paragraphs for s in p]


def passage(rng, text, name=None):
    """A verbatim passage: a sentence naming `name` if there is one, else any
    sentence; sometimes cut to a clause of at least five words."""
    choices = text.mentions.get(name) if name else None
    sentence = rng.choice(choices or text.all_sentences)
    parts = sentence.split(" ")
    if len(parts) > 14 and rng.random() < 0.4:
        width = rng.randint(8, len(parts) - 2)
        start = rng.randint(0, len(parts) - width)
        return " ".join(parts[start:start + width])
    return sentence


def note(rng, share=0.4):
    return rng.choice(NOTES) if rng.random() < share else ""


# -- the dataset -------------------------------------------------------------------


class Generator:
    def __init__(self, participants, out, seed):
        self.n = participants
        self.out = Path(out)
        self.seed = seed
        self.sources = max(1, participants // PARTICIPANTS_PER_SOURCE)
        self.topic_ids = []  # every topic so far: an event may be tagged with any of them
        self.rng = random.Random(f"{seed}-global")
        self.writers, self.handles = {}, []

    def open(self):
        (self.out / "sources").mkdir(parents=True, exist_ok=True)
        for old in (self.out / "sources").glob("*.txt"):
            old.unlink()
        package = json.loads((ROOT / "data" / "datapackage.json").read_text(encoding="utf-8"))
        sources = next(r for r in package["resources"] if r["name"] == "sources")
        url = next(f for f in sources["schema"]["fields"] if f["name"] == "url")
        self.url_pattern = re.compile(url.get("constraints", {}).get("pattern", ".*"))
        shutil.copyfile(ROOT / "data" / "datapackage.json", self.out / "datapackage.json")
        for resource in package["resources"]:
            handle = open(self.out / resource["path"], "w", encoding="utf-8", newline="")
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow([field["name"] for field in resource["schema"]["fields"]])
            self.writers[resource["name"]] = writer
            self.handles.append(handle)

    def close(self):
        for handle in self.handles:
            handle.close()

    def run(self):
        self.open()
        try:
            self.make_locations()
            texts = [self.write_source(number) for number in range(self.sources)]
            self.write_locations(texts)
        finally:
            self.close()

    # -- places: one global hierarchy, parents before children ---------------------

    def make_locations(self):
        rng, total = self.rng, max(self.n // 10, 40)
        rows = []  # [id, name, kind, parent_index, lat, lon, geonames, wikidata, count]
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
        per_source = len(rows) / self.sources
        self.location_source = lambda index: min(self.sources - 1, int(index / per_source))

    def write_locations(self, texts):
        writer, rng = self.writers["locations"], random.Random(f"{self.seed}-locations")
        for index, (id_, name, kind, parent, lat, lon, geonames, wikidata) in enumerate(self.locations):
            source = self.location_source(index)
            text, source_id = texts[source]
            precision = "" if lat is None else ("city" if kind == "facility" and rng.random() < 0.5 else "exact")
            count = 2 if kind == "facility" and rng.random() < 0.02 else 1
            writer.writerow([id_, name, kind, "" if parent is None else self.locations[parent][0],
                             "" if lat is None else lat, "" if lon is None else lon, precision,
                             geonames or "", wikidata or "", count, source_id, passage(rng, text, id_), note(rng)])

    # -- one source document and every row that cites it ---------------------------------

    def write_source(self, number):
        rng = random.Random(f"{self.seed}-source-{number}")
        n, sources = self.n, self.sources
        p_lo, p_hi = n * number // sources, n * (number + 1) // sources
        e_lo, e_hi = (n // 10) * number // sources, (n // 10) * (number + 1) // sources
        source_id = f"synthetic-release-{number + 1:05d}"
        text = Text()

        # Participants: hubs (first source only), organisations, then members.
        people, orgs = [], []
        participant_rows = []
        hub_ids = [slug(abbr) for _, abbr, _ in HUBS]
        for index in range(p_lo, p_hi):
            if index < len(HUBS):
                name, abbreviation, wikidata = HUBS[index]
                participant_rows.append([hub_ids[index], name, abbreviation, "organization", "", "", "", "", wikidata])
                orgs.append((hub_ids[index], name))
                continue
            roll = rng.random()
            if roll < 0.12 or not orgs:
                country = rng.choice(list(COUNTRIES))
                pick = rng.random()
                if pick < 0.3:
                    name = f"Ministry of {rng.choice(MINISTRIES)} of {country}"
                elif pick < 0.5:
                    name = f"{rng.choice(HUBS)[1]} Office in {self.locations[rng.choice(self.cities)][1]}"
                elif pick < 0.75:
                    name = f"{self.locations[rng.choice(self.cities)][1]} Centre for {rng.choice(['Migrant Support', 'Legal Aid', 'Victims of Trafficking', 'Women and Children'])}"
                else:
                    name = f"Public Foundation {place_name(rng)}"
                parent = rng.choice(hub_ids) if " Office in " in name else (rng.choice(orgs)[0] if orgs and rng.random() < 0.2 else "")
                abbreviation = "".join(w[0] for w in name.split() if w[0].isupper()) if rng.random() < 0.3 else ""
                row_id = f"{words(slug(name), 6)}-{base36(index)}"
                participant_rows.append([row_id, name, abbreviation, "organization", parent, "", "", "", ""])
                orgs.append((row_id, name))
            elif roll < 0.72:
                name = person_name(rng)
                row_id = f"{slug(name)}-{base36(index)}"
                participant_rows.append([row_id, name, "", "person", rng.choice(orgs)[0], rng.choice(TITLES), "", "", ""])
                people.append((row_id, name))
            elif roll < 0.9:
                org = rng.choice(orgs)
                name = f"{rng.choice(TITLES)} of the {org[1]}"
                participant_rows.append([f"{words(slug(name), 6)}-{base36(index)}", name, "", "office", org[0], rng.choice(TITLES), "", "", ""])
            else:
                name = f"{rng.choice(GROUPS)} of {self.locations[rng.choice(self.cities)][1]}"
                participant_rows.append([f"{words(slug(name), 6)}-{base36(index)}", name, "", "group", "", "",
                                         rng.randint(2, 40) if rng.random() < 0.6 else "", "", ""])
        if not people:
            people = [(row[0], row[1]) for row in participant_rows[:1]]
        local_ids = [row[0] for row in participant_rows]
        names = {slug(abbr): name for name, abbr, _ in HUBS}
        names.update((row[0], row[1]) for row in participant_rows)

        # Events: top-level events with sub-events inside their dates.
        event_rows = []
        base = rng.randint(FIRST_DAY, LAST_DAY - 400)
        while len(event_rows) < e_hi - e_lo:
            index = e_lo + len(event_rows)
            kind = rng.choice(EVENT_KINDS)
            topic = rng.choice(TOPICS)
            location = rng.choice(self.cities) if rng.random() < 0.6 else rng.randrange(len(self.locations))
            place = self.locations[location][1]
            start = base + rng.randint(0, 365)
            end = start + rng.randint(0, 4)
            name = f"{KIND_PHRASES[kind].capitalize()} {topic} in {place}"
            event_id = f"{words(slug(name), 6)}-{base36(index)}"
            organizer = rng.choice(orgs)[0] if rng.random() < 0.7 else ""
            event_rows.append([event_id, name, kind, "", start, end, location, organizer, topic])
            for sub in range(rng.choice([0, 0, 1, 2, 3])):
                if len(event_rows) >= e_hi - e_lo:
                    break
                index = e_lo + len(event_rows)
                sub_kind = rng.choice(["roundtable", "visit", "meeting", "training"])
                sub_start = rng.randint(start, end)
                sub_name = f"{KIND_PHRASES[sub_kind].capitalize()} {rng.choice(TOPICS)} in {place}"
                event_rows.append([f"{words(slug(sub_name), 6)}-{base36(index)}", sub_name, sub_kind, event_id,
                                   sub_start, rng.randint(sub_start, end), location, "", topic])

        # The text: a paragraph per event naming its people, places and topic.
        published = max(row[5] for row in event_rows) if event_rows else base
        dateline = rng.choice(self.cities)
        title = f"{rng.choice(HUBS)[1]} reports on anti-trafficking work in {self.locations[dateline][1]} and beyond"
        topic_names = rng.sample(TOPICS, 10) if len(TOPICS) >= 10 else TOPICS
        participations = {}
        quotes = []
        for event in event_rows:
            event_id, name, kind, parent, start, end, location, organizer, topic = event
            place = self.locations[location][1]
            when = datetime.date.fromordinal(start).strftime("%d %B %Y").lstrip("0")
            text.paragraph()
            text.say(f"{name} took place on {when} in {place}.", event_id, self.locations[location][0])
            if organizer:
                text.say(f"The event was organized by the {names[organizer]}, which brought together officials and experts.", event_id, organizer)
            chosen = rng.sample(local_ids, min(30, len(local_ids)))
            if rng.random() < 0.1 and hub_ids[0] not in chosen:  # international organisations join many events
                chosen[-1] = rng.choice(hub_ids[: min(len(HUBS), self.n)])
            chosen = list(dict.fromkeys(chosen))
            for start_at in range(0, min(len(chosen), 6), 3):  # the text names a few of them
                group = chosen[start_at:start_at + 3]
                listed = ", ".join(names[p] for p in group[:-1]) + (" and " if len(group) > 1 else "") + names[group[-1]]
                text.say(f"Representatives of {listed} took part in the discussions on {topic}.", *group)
            text.say(f"{rng.choice(FILLER)} {rng.choice(topic_names)} and {rng.choice(topic_names)} in {place} – a subject raised by several speakers.")
            participations[event_id] = chosen
            if rng.random() < 0.5 and people:
                speaker = rng.choice(people)
                words_ = [rng.choice(FILLER).lower(), rng.choice(topic_names), "is", "essential", "if", "we", "want",
                          "to", "protect", "people", "in", rng.choice(["our", "every"]), "community", "and", "bring",
                          "traffickers", "to", "justice"]
                said = " ".join(words_)
                said = said[0].upper() + said[1:]
                title_ = rng.choice(TITLES)
                text.say(f"\u201c{said},\u201d said {speaker[1]}, a {title_} at the event.", speaker[0])
                quotes.append((event_id, speaker[0], said, f"said {speaker[1]}, a {title_}"))
        text.all_sentences = text.sentences()

        # Source row and text file.
        digest = hashlib.sha256(f"{self.seed}-{number}".encode()).hexdigest()[:16]
        path = f"sources/{number:05d}_{digest}.txt"
        header = (f"PRESS RELEASE\n\n{title}\n\n{self.locations[dateline][1].upper()}, "
                  f"{datetime.date.fromordinal(published).strftime('%d %B %Y').lstrip('0')}")
        (self.out / path).write_text(text.render(header), encoding="utf-8")
        url = f"https://www.example.org/press/{number + 1}" if rng.random() < 0.7 else ""
        if not self.url_pattern.fullmatch(url):
            url = ""  # the package's url pattern (anchored at both ends, as in Frictionless) rejects it
        self.writers["sources"].writerow([source_id, title, rng.choice(HUBS)[0], "press release", day(published),
                                          self.locations[dateline][0], "en", url, path])

        # Rows citing this source.
        writer = self.writers["participants"]
        for row in participant_rows:
            based_in = self.locations[rng.choice(self.cities)][0] if rng.random() < 0.5 else ""
            row[7] = based_in
            writer.writerow(row + [source_id, passage(rng, text, row[0]), note(rng)])
        writer = self.writers["events"]
        for event_id, name, kind, parent, start, end, location, organizer, topic in event_rows:
            precision = rng.choice(["stated", "stated", "inferred", "range"])
            basis = {"stated": "Dates stated in the text.",
                     "inferred": "The release gives the last day; the first is counted back from the number of days it gives.",
                     "range": "The text gives no day; the range is that of the event it is part of."}[precision]
            description = (f"A {kind} on {topic} held in {self.locations[location][1]}, bringing together national and "
                           f"regional authorities, civil society and international organisations to review {rng.choice(topic_names)}.")
            writer.writerow([event_id, name, kind, parent, day(start), day(end), precision, basis,
                             self.locations[location][0] if rng.random() < 0.95 else "", organizer, description,
                             source_id, passage(rng, text, event_id), note(rng)])
        writer = self.writers["event_participants"]
        for event_id, chosen in participations.items():
            pool = [passage(rng, text, event_id) for _ in range(2)]
            for participant in chosen:
                role = rng.choice(ROLES)
                evidence = passage(rng, text, participant) if rng.random() < 0.7 else rng.choice(pool)
                writer.writerow([event_id, participant, role, source_id, evidence, note(rng, 0.15)])
        writer = self.writers["quotes"]
        for index, (event_id, speaker, said, evidence) in enumerate(quotes):
            writer.writerow([f"{speaker}-q{index}", event_id, speaker, said, source_id, evidence, note(rng)])
        t_lo = (self.n // 100) * number // sources
        t_hi = (self.n // 100) * (number + 1) // sources
        if number == 0:
            t_hi = max(t_hi, TOPICS_PER_EVENT)  # so that the first events have topics to be tagged with
        writer = self.writers["topics"]
        for index in range(max(t_lo, len(self.topic_ids)), t_hi):
            name = topic_names[(index - t_lo) % len(topic_names)]
            topic_id = f"{words(slug(name), 6)}-{base36(index)}"
            self.topic_ids.append(topic_id)
            writer.writerow([topic_id, name[0].upper() + name[1:], f"Work on {name}, as the release describes it.",
                             source_id, passage(rng, text, None)])
        writer = self.writers["event_topics"]
        for event_id in participations:
            for topic_id in rng.sample(self.topic_ids, TOPICS_PER_EVENT):
                writer.writerow([event_id, topic_id, source_id, passage(rng, text, event_id)])
        return text, source_id


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, required=True, metavar="N", help="participants rows (at least 1000)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="directory to write (created)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args(argv)
    if args.participants < 1000:
        parser.error("--participants must be at least 1000")
    started = time.perf_counter()
    Generator(args.participants, args.out, args.seed).run()
    print(f"generated {args.participants:,} participants in {args.out} in {time.perf_counter() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
