"""Names of many origins for the synthetic population (`people_generate`): small lists, enough
for plausible variety and realistic collisions (many Müllers, Yılmaz and Nguyễn). Names of
Cyrillic-script origins are listed in Cyrillic: the generator stores that spelling as the
original and the ICAO transliteration as the register name, as a passport gives it. Arabic,
Persian and Dari names are listed as their usual Latin passport spelling.

Each origin: its share of the population (a rough picture of Hamburg: about 64 % German
nationals born in Germany, the largest groups of foreign origin after that), the nationality
code, how many of them hold German nationality (naturalised), whether its nationals need a
residence title (not EU/EEA/Swiss), the legal bases their titles usually have, and how often
their date of birth is partly unknown in the files.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Origin:
    key: str
    weight: float
    country: str
    family: tuple[str, ...]
    male: tuple[str, ...]
    female: tuple[str, ...]
    naturalised: float = 0.0
    needs_title: bool = False
    legal_bases: tuple[tuple[str, str], ...] = ()  # (title kind, legal basis)
    unknown_birth: float = 0.0
    cyrillic: bool = False
    feminine_suffix: bool = False  # Russian family names: Иванов / Иванова


def _w(text: str) -> tuple[str, ...]:
    return tuple(text.split(","))


SKILLED = (
    ("blue_card", "§ 18g AufenthG"),
    ("residence_permit", "§ 18b AufenthG"),
    ("residence_permit", "§ 16b AufenthG"),
    ("settlement_permit", "§ 9 AufenthG"),
    ("residence_permit", "§ 30 AufenthG"),
)
PROTECTION = (
    ("residence_permit", "§ 25 Abs. 2 AufenthG"),
    ("residence_permit", "§ 25 Abs. 1 AufenthG"),
    ("residence_permit", "§ 25 Abs. 3 AufenthG"),
    ("settlement_permit", "§ 26 Abs. 3 AufenthG"),
    ("provisional", "§ 81 Abs. 4 AufenthG"),
)
FAMILY = (
    ("residence_permit", "§ 28 AufenthG"),
    ("residence_permit", "§ 30 AufenthG"),
    ("residence_permit", "§ 32 AufenthG"),
    ("settlement_permit", "§ 9 AufenthG"),
    ("permanent_eu", "§ 9a AufenthG"),
)

ORIGINS: tuple[Origin, ...] = (
    Origin(
        "german",
        64.0,
        "DEU",
        _w(
            "Müller,Schmidt,Schneider,Fischer,Weber,Meyer,Wagner,Becker,Schulz,Hoffmann,Schäfer,"
            "Koch,Bauer,Richter,Klein,Wolf,Schröder,Neumann,Schwarz,Zimmermann,Braun,Krüger,"
            "Hofmann,Hartmann,Lange,Schmitt,Werner,Schmitz,Krause,Meier,Lehmann,Schmid,Schulze,"
            "Maier,Köhler,Herrmann,König,Walter,Mayer,Huber,Kaiser,Fuchs,Peters,Lang,Scholz,"
            "Möller,Weiß,Jung,Hahn,Schubert,Jansen,Petersen,Hansen,Thomsen,Carstens,Behrens,"
            "Brandt,Claußen,Dittmer,Ehlers,Frahm,Gloe,Hinrichs,Jürgensen,Kröger,Lüders,Ohlsen,"
            "Rathjen,Sievers,Timm,Voß,Wulf,Ahrens,Böttcher,Dreyer,Harms,Lüth,Stüve"
        ),
        _w(
            "Peter,Michael,Thomas,Andreas,Wolfgang,Klaus,Jürgen,Stefan,Hans,Uwe,Frank,Bernd,"
            "Lukas,Finn,Jonas,Leon,Paul,Ben,Felix,Hannes,Jan,Niklas,Tim,Ole,Matthias,Torsten,"
            "Dirk,Sven,Heinz,Karl-Heinz,Hans-Peter,Björn,Malte,Jörg"
        ),
        _w(
            "Anna,Maria,Ursula,Monika,Petra,Sabine,Andrea,Karin,Birgit,Claudia,Susanne,Julia,"
            "Laura,Lena,Emma,Mia,Hannah,Sophie,Lea,Marie,Lina,Frieda,Ida,Greta,Johanna,Katrin,"
            "Anke,Silke,Inge,Elke,Gisela,Heike,Jana,Maren,Wiebke"
        ),
    ),
    Origin(
        "turkish",
        6.0,
        "TUR",
        _w(
            "Yılmaz,Kaya,Demir,Şahin,Çelik,Yıldız,Yıldırım,Öztürk,Aydın,Özdemir,Arslan,Doğan,"
            "Kılıç,Aslan,Çetin,Kara,Koç,Kurt,Özkan,Şimşek,Polat,Güneş,Erdoğan,Bulut,Çakır"
        ),
        _w(
            "Mehmet,Mustafa,Ahmet,Ali,Hüseyin,Hasan,İbrahim,Murat,Emre,Can,Yusuf,Ömer,Burak,"
            "Çağlar,Serkan,Tarık"
        ),
        _w("Zeynep,Elif,Ayşe,Fatma,Emine,Hatice,Merve,Büşra,Gül,Özlem,Derya,Esra,Sevgi,Şeyma"),
        naturalised=0.5,
        needs_title=True,
        legal_bases=FAMILY,
        unknown_birth=0.01,
    ),
    Origin(
        "polish",
        4.0,
        "POL",
        _w(
            "Nowak,Kowalski,Wiśniewski,Wójcik,Kowalczyk,Kamiński,Lewandowski,Zieliński,"
            "Szymański,Woźniak,Dąbrowski,Kozłowski,Jankowski,Mazur,Krawczyk"
        ),
        _w("Piotr,Krzysztof,Andrzej,Tomasz,Paweł,Michał,Łukasz,Marcin,Grzegorz,Jakub"),
        _w("Anna,Katarzyna,Małgorzata,Agnieszka,Magdalena,Joanna,Ewa,Dorota,Zofia"),
        naturalised=0.3,
    ),
    Origin(
        "russian",
        2.5,
        "RUS",
        _w(
            "Иванов,Смирнов,Кузнецов,Попов,Васильев,Петров,Соколов,Михайлов,Новиков,Фёдоров,"
            "Морозов,Волков,Лебедев,Козлов,Егоров"
        ),
        _w("Александр,Дмитрий,Сергей,Андрей,Алексей,Максим,Евгений,Иван,Михаил,Никита"),
        _w("Елена,Ольга,Татьяна,Наталья,Анна,Мария,Юлия,Екатерина,Ирина,Светлана"),
        naturalised=0.4,
        needs_title=True,
        legal_bases=FAMILY + SKILLED,
        cyrillic=True,
        feminine_suffix=True,
    ),
    Origin(
        "ukrainian",
        2.5,
        "UKR",
        _w(
            "Шевченко,Коваленко,Бондаренко,Ткаченко,Кравченко,Мельник,Бойко,Коваль,Олійник,"
            "Шевчук,Поліщук,Лисенко,Марченко,Руденко"
        ),
        _w("Олександр,Андрій,Сергій,Дмитро,Юрій,Богдан,Тарас,Віталій,Максим,Іван"),
        _w("Олена,Наталія,Ірина,Оксана,Юлія,Тетяна,Світлана,Катерина,Людмила,Анастасія"),
        naturalised=0.05,
        needs_title=True,
        legal_bases=(("residence_permit", "§ 24 AufenthG"),) * 4 + SKILLED[:2],
        cyrillic=True,
    ),
    Origin(
        "afghan",
        3.0,
        "AFG",
        _w(
            "Ahmadi,Hashimi,Karimi,Rahimi,Popal,Sultani,Wardak,Noori,Haidari,Mohammadi,"
            "Rezai,Hakimi,Azizi,Safi,Stanikzai,Amiri"
        ),
        _w("Ahmad,Farid,Najib,Hamid,Mohammad,Ali,Mustafa,Sayed,Jawad,Khalid,Omid,Wahid"),
        _w("Zahra,Fereshta,Mursal,Nazanin,Maryam,Fatima,Sahar,Marwa,Sodaba,Parwana"),
        naturalised=0.25,
        needs_title=True,
        legal_bases=PROTECTION,
        unknown_birth=0.2,
    ),
    Origin(
        "syrian",
        3.0,
        "SYR",
        _w(
            "Al-Ahmad,Al-Khatib,Hamwi,Halabi,Darwish,Kurdi,Al-Hussein,Haddad,Khalil,Mansour,"
            "Saleh,Al-Hassan,Ibrahim,Othman,Youssef,Al-Ali"
        ),
        _w("Mohammed,Ahmad,Omar,Khaled,Yousef,Mahmoud,Abdullah,Hussein,Bashar,Rami,Ammar"),
        _w("Fatima,Aisha,Mariam,Layla,Nour,Rania,Hiba,Yasmin,Rasha,Lina,Dima"),
        naturalised=0.3,
        needs_title=True,
        legal_bases=PROTECTION + FAMILY[:2],
        unknown_birth=0.15,
    ),
    Origin(
        "iranian",
        2.0,
        "IRN",
        _w(
            "Hosseini,Mohammadi,Rezaei,Karimi,Moradi,Jafari,Rahimi,Ahmadi,Ghorbani,Sadeghi,"
            "Tehrani,Kazemi,Najafi,Shirazi"
        ),
        _w("Reza,Ali,Mehdi,Hossein,Amir,Dariush,Kaveh,Babak,Arash,Navid"),
        _w("Sara,Maryam,Zahra,Niloufar,Shirin,Parisa,Mahsa,Leila,Roya,Azadeh"),
        naturalised=0.45,
        needs_title=True,
        legal_bases=SKILLED + PROTECTION[:2],
        unknown_birth=0.03,
    ),
    Origin(
        "iraqi",
        1.5,
        "IRQ",
        _w("Al-Jubouri,Al-Obaidi,Al-Tamimi,Al-Saadi,Hassan,Jasim,Kadhim,Abbas,Salman,Mahdi"),
        _w("Ali,Hussein,Mustafa,Haider,Abbas,Karrar,Zaid,Yasir,Murtadha"),
        _w("Zainab,Fatima,Noor,Maryam,Zahraa,Huda,Shahad,Ruqaya"),
        naturalised=0.3,
        needs_title=True,
        legal_bases=PROTECTION,
        unknown_birth=0.15,
    ),
    Origin(
        "vietnamese",
        1.5,
        "VNM",
        _w("Nguyễn,Trần,Lê,Phạm,Hoàng,Huỳnh,Phan,Vũ,Võ,Đặng,Bùi,Đỗ,Hồ,Ngô,Dương"),
        _w("Văn Nam,Minh Đức,Quốc Bảo,Đức Anh,Hoàng Long,Thanh Tùng,Văn Hùng,Minh Tuấn"),
        _w("Thị Minh Khai,Thị Lan,Thu Trang,Hồng Nhung,Thị Hương,Ngọc Anh,Thị Mai,Phương Linh"),
        naturalised=0.4,
        needs_title=True,
        legal_bases=FAMILY + SKILLED[:2],
        unknown_birth=0.02,
    ),
    Origin(
        "ghanaian",
        1.5,
        "GHA",
        _w(
            "Mensah,Owusu,Asante,Boateng,Osei,Agyeman,Appiah,Acheampong,Ofori,Amoah,Adjei,"
            "Darko,Frimpong,Quaye"
        ),
        _w("Kwame,Kofi,Kwabena,Yaw,Kwaku,Kwasi,Kojo,Emmanuel,Samuel,Daniel"),
        _w("Ama,Akosua,Abena,Efua,Adwoa,Afia,Esi,Akua,Grace,Comfort"),
        naturalised=0.35,
        needs_title=True,
        legal_bases=FAMILY + SKILLED[:3],
        unknown_birth=0.1,
    ),
    Origin(
        "indian",
        1.5,
        "IND",
        _w("Sharma,Patel,Singh,Kumar,Gupta,Reddy,Iyer,Nair,Rao,Das,Mehta,Joshi,Verma"),
        _w("Rahul,Arjun,Vikram,Sanjay,Rohan,Amit,Karthik,Aditya,Pranav,Siddharth"),
        _w("Priya,Ananya,Divya,Kavya,Sneha,Pooja,Aishwarya,Lakshmi,Meera,Shreya"),
        naturalised=0.1,
        needs_title=True,
        legal_bases=SKILLED,
        unknown_birth=0.0,
    ),
    Origin(
        "portuguese",
        0.8,
        "PRT",
        _w("Silva,Santos,Ferreira,Pereira,Oliveira,Costa,Rodrigues,Martins,Sousa"),
        _w("João,José,António,Francisco,Rui,Tiago"),
        _w("Ana,Maria,Inês,Beatriz,Mariana,Sofia"),
        naturalised=0.2,
    ),
    Origin(
        "italian",
        0.8,
        "ITA",
        _w("Rossi,Russo,Ferrari,Esposito,Bianchi,Romano,Colombo,Ricci,Marino"),
        _w("Marco,Luca,Giuseppe,Francesco,Alessandro,Matteo"),
        _w("Giulia,Francesca,Chiara,Sara,Martina,Alessia"),
        naturalised=0.2,
    ),
    Origin(
        "greek",
        0.7,
        "GRC",
        _w("Papadopoulos,Georgiou,Nikolaidis,Papadakis,Oikonomou,Dimitriou,Vlachos"),
        _w("Giorgos,Dimitrios,Konstantinos,Nikolaos,Ioannis,Christos"),
        _w("Eleni,Maria,Katerina,Vasiliki,Sofia,Georgia"),
        naturalised=0.25,
    ),
    Origin(
        "spanish",
        0.7,
        "ESP",
        _w("García,Fernández,López,Martínez,Sánchez,Pérez,Gómez,Muñoz"),
        _w("Javier,Pablo,Alejandro,Carlos,Diego,Sergio"),
        _w("Sofía,Lucía,Carmen,Paula,Elena,Nuria"),
        naturalised=0.1,
    ),
    Origin(
        "danish",
        0.3,
        "DNK",
        _w("Jensen,Nielsen,Hansen,Pedersen,Andersen,Ørsted,Søndergaard,Kjær"),
        _w("Søren,Lars,Mads,Rasmus,Jørgen"),
        _w("Freja,Ida,Mette,Sørine,Astrid"),
        naturalised=0.1,
    ),
    Origin(
        "icelandic",
        0.1,
        "ISL",
        _w("Ólafsdóttir,Jónsson,Sigurðsson,Guðmundsdóttir,Þórsson"),
        _w("Þórður,Ólafur,Magnús,Guðmundur"),
        _w("Sigríður,Guðrún,Sólveig,Þóra"),
    ),
)

STREETS = _w(
    "Mönckebergstraße,Jungfernstieg,Eppendorfer Weg,Osterstraße,Fuhlsbüttler Straße,"
    "Bahrenfelder Straße,Ottenser Hauptstraße,Schanzenstraße,Lange Reihe,Steindamm,"
    "Hamburger Straße,Wandsbeker Chaussee,Bramfelder Chaussee,Billstedter Hauptstraße,"
    "Bergedorfer Straße,Harburger Ring,Lüneburger Straße,Elbchaussee,Blankeneser Landstraße,"
    "Holstenstraße,Max-Brauer-Allee,Stresemannstraße,Kieler Straße,Eidelstedter Platz,"
    "Lokstedter Steindamm,Grindelallee,Rothenbaumchaussee,Winterhuder Weg,Mühlenkamp,"
    "Alsterdorfer Straße,Langenhorner Chaussee,Poppenbütteler Weg,Saseler Chaussee,"
    "Rahlstedter Straße,Jenfelder Allee,Horner Landstraße,Veddeler Damm,Wilhelmsburger Straße,"
    "Finkenwerder Landscheideweg,Neugrabener Markt"
)
BIRTH_PLACES = {
    "DEU": _w("Hamburg,Hamburg,Hamburg,Kiel,Lübeck,Bremen,Hannover,Berlin,Rostock,Schwerin"),
    "TUR": _w("İstanbul,Ankara,İzmir,Trabzon,Kayseri"),
    "POL": _w("Gdańsk,Szczecin,Warszawa,Kraków,Poznań"),
    "RUS": _w("Moskau,Sankt Petersburg,Kaliningrad,Omsk"),
    "UKR": _w("Kyjiw,Charkiw,Odesa,Lwiw,Dnipro"),
    "AFG": _w("Kabul,Herat,Kandahar,Masar-e Scharif"),
    "SYR": _w("Damaskus,Aleppo,Homs,Latakia"),
    "IRN": _w("Teheran,Isfahan,Schiras,Täbris"),
    "IRQ": _w("Bagdad,Mossul,Basra,Erbil"),
    "VNM": _w("Hà Nội,Hải Phòng,Huế,Đà Nẵng"),
    "GHA": _w("Accra,Kumasi,Tamale,Cape Coast"),
    "IND": _w("Bengaluru,Mumbai,Chennai,Hyderabad,Pune"),
    "PRT": _w("Lisboa,Porto,Coimbra,Braga"),
    "ITA": _w("Milano,Napoli,Roma,Palermo"),
    "GRC": _w("Athína,Thessaloníki,Pátra"),
    "ESP": _w("Madrid,Barcelona,Sevilla,Valencia"),
    "DNK": _w("København,Aarhus,Odense"),
    "ISL": _w("Reykjavík,Akureyri"),
}
