"""Names as the register holds them (Namensrecht im Melderegister).

- **DIN 91379** ("Characters and defined character sequences in Unicode for the electronic
  processing of names", successor of DIN SPEC 91379 / String.Latin+ 1.2): a name holds the
  standard's normative Latin letters (group `bll`, including the letter sequences that have no
  single code point, such as "L̥̄" or "K͟h") and its normative name punctuation (group
  `bnlreq`: space, apostrophes, hyphen, full stop, …), in Unicode NFC. Digits, other scripts,
  other symbols and control characters are refused, naming the first offending character.
  The character list follows DIN 91379:2022-08 as published by the String.Latin initiative
  (CC BY 4.0, see docs/people.md).
- **ICAO Doc 9303, Part 3** (machine readable travel documents), section "Transliteration":
  the key under which names are searched — upper case A–Z, words separated by one space.
  Latin letters with diacritics are written as the table says (Ä → AE, Ö/Ø → OE, Ü → UE,
  ß → SS, Å → AA, Æ → AE, Þ → TH, Œ → OE, Ĳ → IJ), all others as their base letter (Ç → C,
  Ğ → G, ễ → E). Cyrillic follows the Doc 9303 table (Ж → ZH, Х → KH, Ц → TS, Щ → SHCH,
  Ю → IU, Я → IA), Greek ELOT 743 as Greek passports do, Arabic (and the Persian letters) a
  consonantal table — vowels are not written in Arabic, so its keys find fewer spellings.
- **Kölner Phonetik** (Postel 1969), the phonetic code for German registers: Meier, Mayer,
  Maier and Meyer are all 67; Schmidt and Schmitt 862. It is computed from the ICAO key, so
  "Müller" and "Mueller" share their code as they share their key.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext as _

from hamburg_service.core.errors import InvalidInput
from hamburg_service.core.text import text_refused

# DIN 91379, group bll: the normative Latin letters with a code point of their own.
_LETTERS_TEXT = (
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿ"
    "ĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĲĳĴĵĶķĸĹĺĻļĽľĿŀŁłŃ"
    "ńŅņŇňŉŊŋŌōŎŏŐőŒœŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž"
    "ƇƈƏƗƠơƯưƷǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǞǟǢǣǤǥǦǧǨǩǪǫǬǭǮǯǰǴǵǸǹǺǻǼǽǾǿȒȓȘșȚțȞȟȧȨȩȪȫȬȭȮȯȰȱȲȳəɨʒ"
    "ḂḃḆḇḊḋḌḍḎḏḐḑḗḜḝḞḟḠḡḢḣḤḥḦḧḨḩḪḫḯḰḱḲḳḴḵḶḷḺḻṀṁṂṃṄṅṆṇṈṉṒṓṔṕṖṗṘṙṚṛṞṟṠṡṢṣṪṫṬṭṮṯ"
    "ẀẁẂẃẄẅẆẇẌẍẎẏẐẑẒẓẔẕẖẗẞẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐố"
    "ỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ"
)
# DIN 91379, group bll: the letters written as a base letter and combining marks.
_SEQUENCES_TEXT = (
    "A̋ C̀ C̄ C̆ C̈ C̕ C̣ C̦ C̨̆ D̂ F̀ F̄ G̀ H̄ H̦ H̱ J́ J̌ K̀ K̂ K̄ K̇ K̕ K̛ K̦ K͟H K͟h L̂ L̥ L̥̄ L̦ M̀ M̂ M̆ M̐ "
    "N̂ N̄ N̆ N̦ P̀ P̄ P̕ P̣ R̆ R̥ R̥̄ S̀ S̄ S̛̄ S̱ T̀ T̄ T̈ T̕ T̛ U̇ Z̀ Z̄ Z̆ Z̈ Z̧ a̋ c̀ c̄ c̆ c̈ c̕ c̣ c̦ c̨̆ "
    "d̂ f̀ f̄ g̀ h̄ h̦ j́ k̀ k̂ k̄ k̇ k̕ k̛ k̦ k͟h l̂ l̥ l̥̄ l̦ m̀ m̂ m̆ m̐ n̂ n̄ n̆ n̦ p̀ p̄ p̕ p̣ r̆ r̥ r̥̄ s̀ s̄ "
    "s̛̄ s̱ t̀ t̄ t̕ t̛ u̇ z̀ z̄ z̆ z̈ z̧ Ç̆ Û̄ ç̆ û̄ ÿ́ Č̕ Č̣ č̕ č̣ ē̍ Ī́ ī́ ō̍ Ž̦ Ž̧ ž̦ ž̧ Ḳ̄ ḳ̄ Ṣ̄ ṣ̄ Ṭ̄ ṭ̄ "
    "Ạ̈ ạ̈ Ọ̈ ọ̈ Ụ̄ Ụ̈ ụ̄ ụ̈"
)
# DIN 91379, group bnlreq: the punctuation names may hold (space, apostrophes, hyphen, …).
_NAME_MARKS = " '-.,`~¨´·ʹʺʾʿˈˌ’‡"

LETTERS = frozenset(unicodedata.normalize("NFC", _LETTERS_TEXT))
SEQUENCES = frozenset(unicodedata.normalize("NFC", s) for s in _SEQUENCES_TEXT.split())
NAME_MARKS = frozenset(_NAME_MARKS)
_LONGEST_SEQUENCE = max(len(s) for s in SEQUENCES)


class NameRefused(ValueError):
    """A name that DIN 91379 does not allow; `character` is the first offending one."""

    def __init__(self, reason: str, character: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.character = character


def _letter_at(text: str, i: int) -> int:
    """The length of the DIN 91379 letter starting at `i` (a sequence or one code point);
    0 if none starts there."""
    for length in range(_LONGEST_SEQUENCE, 1, -1):
        if text[i : i + length] in SEQUENCES:
            return length
    return 1 if text[i] in LETTERS else 0


def din91379_check(value: str) -> str:
    """`value` in NFC with runs of spaces made one; NameRefused when it holds a character
    outside DIN 91379's names (datatype A) or no letter at all."""
    if text_refused(value):
        raise NameRefused("control")
    text = " ".join(unicodedata.normalize("NFC", value).split())
    letters = 0
    i = 0
    while i < len(text):
        length = _letter_at(text, i)
        if length:
            letters += 1
            i += length
            continue
        if text[i] in NAME_MARKS:
            i += 1
            continue
        raise NameRefused("character", text[i])
    if text and not letters:
        raise NameRefused("no-letter")
    return text


def _describe(character: str) -> str:
    name = unicodedata.name(character, "")
    code = f"U+{ord(character):04X}"
    return f"{code} {name}" if name else code


def name_clean(value: str, *, field: str, required: bool = True, max_length: int = 120) -> str:
    """A name field as the register stores it, or InvalidInput naming `field` and the first
    character DIN 91379 does not allow (`name-character`)."""
    try:
        text = din91379_check(value or "")
    except NameRefused as refused:
        if refused.reason == "control":
            message = _(
                "This contains control or formatting characters that cannot be part of a name."
            )
        elif refused.reason == "no-letter":
            message = _("A name needs at least one letter.")
        elif refused.character.isdigit():
            message = _("Names cannot contain digits (“%(character)s”).") % {
                "character": refused.character
            }
        else:
            message = _(
                "“%(character)s” (%(description)s) is not a letter allowed in names "
                "(DIN 91379). Enter the name in Latin letters; a spelling in another script "
                "goes into the field for the original spelling."
            ) % {"character": refused.character, "description": _describe(refused.character)}
        raise InvalidInput.field(field, message, code="name-character") from None
    if required and not text:
        raise InvalidInput.field(field, _("Enter the name."), code="name-missing")
    if len(text) > max_length:
        raise InvalidInput.field(
            field,
            _("A name can be at most %(count)d characters long.") % {"count": max_length},
            code="name-too-long",
        )
    return text


def original_clean(value: str, *, field: str, max_length: int = 120) -> str:
    """A name in its original (non-Latin) script, kept as an alternate spelling for search:
    any letters, but no digits, control or formatting characters."""
    text = " ".join(unicodedata.normalize("NFC", value or "").split())
    if text_refused(text):
        raise InvalidInput.field(
            field,
            _("This contains control or formatting characters that cannot be part of a name."),
            code="name-character",
        )
    for character in text:
        category = unicodedata.category(character)
        if not (category[0] in "LM" or character in NAME_MARKS or category == "Pd"):
            raise InvalidInput.field(
                field,
                _("“%(character)s” (%(description)s) cannot be part of a name.")
                % {"character": character, "description": _describe(character)},
                code="name-character",
            )
    if len(text) > max_length:
        raise InvalidInput.field(
            field,
            _("A name can be at most %(count)d characters long.") % {"count": max_length},
            code="name-too-long",
        )
    return text


# ICAO Doc 9303 Part 3: the Latin letters not written as their base letter.
_ICAO_LATIN = {
    "Ä": "AE", "Å": "AA", "Æ": "AE", "Ö": "OE", "Ø": "OE", "Ü": "UE", "ß": "SS", "ẞ": "SS",
    "Þ": "TH", "Œ": "OE", "Ĳ": "IJ", "Ð": "D", "Đ": "D", "Ħ": "H", "Ł": "L", "Ŀ": "L",
    "Ŋ": "N", "ŉ": "N", "ĸ": "K", "Ə": "E", "Ɨ": "I", "Ʒ": "Z", "Ǥ": "G", "Ŧ": "T", "I": "I",
    "İ": "I", "ı": "I", "Ƈ": "C",
}  # fmt: skip
# ICAO Doc 9303 Part 3, Cyrillic (Russian, Ukrainian, Belarusian, Serbian, Macedonian, …).
_ICAO_CYRILLIC = {
    "А": "A", "Б": "B", "В": "V", "Г": "G", "Ґ": "G", "Д": "D", "Ѓ": "G", "Ђ": "D", "Е": "E",
    "Ё": "E", "Є": "IE", "Ж": "ZH", "З": "Z", "Ѕ": "DZ", "И": "I", "Ѝ": "I", "І": "I",
    "Ї": "I", "Й": "I", "Ј": "J", "К": "K", "Л": "L", "Љ": "LJ", "М": "M", "Н": "N",
    "Њ": "NJ", "О": "O", "П": "P", "Р": "R", "С": "S", "Т": "T", "Ћ": "C", "Ќ": "K", "У": "U",
    "Ў": "U", "Ф": "F", "Х": "KH", "Ц": "TS", "Ч": "CH", "Џ": "DZ", "Ш": "SH", "Щ": "SHCH",
    "Ъ": "IE", "Ы": "Y", "Ь": "", "Э": "E", "Ю": "IU", "Я": "IA",
}  # fmt: skip
# Greek as ELOT 743 (Greek passports); the digraphs first.
_GREEK_DIGRAPHS = {"ΟΥ": "OU", "ΑΥ": "AV", "ΕΥ": "EV", "ΓΓ": "NG", "ΓΚ": "GK", "ΜΠ": "MP"}
_GREEK = {
    "Α": "A", "Β": "V", "Γ": "G", "Δ": "D", "Ε": "E", "Ζ": "Z", "Η": "I", "Θ": "TH", "Ι": "I",
    "Κ": "K", "Λ": "L", "Μ": "M", "Ν": "N", "Ξ": "X", "Ο": "O", "Π": "P", "Ρ": "R", "Σ": "S",
    "Τ": "T", "Υ": "Y", "Φ": "F", "Χ": "CH", "Ψ": "PS", "Ω": "O",
}  # fmt: skip
# Arabic script (Arabic, Persian, Dari, Pashto letters): consonants as ICAO 9303 writes them.
_ARABIC = {
    "ا": "A", "أ": "A", "إ": "I", "آ": "A", "ٱ": "A", "ء": "", "ؤ": "", "ئ": "", "ب": "B",
    "پ": "P", "ت": "T", "ث": "TH", "ج": "J", "چ": "CH", "ح": "H", "خ": "KH", "د": "D",
    "ذ": "DH", "ر": "R", "ز": "Z", "ژ": "ZH", "س": "S", "ش": "SH", "ص": "S", "ض": "D",
    "ط": "T", "ظ": "Z", "ع": "", "غ": "GH", "ف": "F", "ق": "Q", "ك": "K", "ک": "K", "گ": "G",
    "ل": "L", "م": "M", "ن": "N", "ه": "H", "ة": "H", "و": "W", "ي": "Y", "ی": "Y", "ى": "A",
    "َ": "A", "ِ": "I", "ُ": "U",
}  # fmt: skip
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—_/]+")


def _latin(character: str) -> str:
    upper = character.upper() if character not in "ßŉĸ" else character
    if upper in _ICAO_LATIN:
        return _ICAO_LATIN[upper]
    base = "".join(c for c in unicodedata.normalize("NFD", upper) if not unicodedata.combining(c))
    return base if base.isascii() and base.isalpha() else ""


@lru_cache(maxsize=65536)
def icao_transliterate(value: str) -> str:
    """`value` (any script) as ICAO 9303 writes it: upper case A–Z, words separated by one
    space; apostrophes and full stops are dropped, hyphens separate words; characters of
    scripts without a table are dropped."""
    text = unicodedata.normalize("NFC", value).upper()
    for digraph, latin in _GREEK_DIGRAPHS.items():
        text = text.replace(digraph, latin)
    out: list[str] = []
    for character in _SEPARATORS.sub(" ", text):
        if character == " ":
            out.append(" ")
        elif "A" <= character <= "Z":
            out.append(character)
        elif character in _ICAO_CYRILLIC:
            out.append(_ICAO_CYRILLIC[character])
        elif character in _ARABIC:
            out.append(_ARABIC[character])
        else:
            plain = "".join(
                c for c in unicodedata.normalize("NFD", character) if not unicodedata.combining(c)
            )
            if plain in _GREEK:
                out.append(_GREEK[plain])
            elif plain in ("Σ", "ς"):
                out.append("S")
            elif plain or not unicodedata.combining(character):
                out.append(_latin(character))
    return " ".join("".join(out).split())


def latin_spelling(value: str) -> str:
    """A Latin spelling of a name given in another script, for a clerk to start from
    ("Александр" → "Aleksandr"): the ICAO transliteration, each word capitalised."""
    return " ".join(word.capitalize() for word in icao_transliterate(value).split())


_KOELN_GROUPS = {
    **dict.fromkeys("AEIJOUY", "0"),
    **dict.fromkeys("FVW", "3"),
    **dict.fromkeys("GKQ", "4"),
    "L": "5",
    **dict.fromkeys("MN", "6"),
    "R": "7",
    **dict.fromkeys("SZ", "8"),
    "B": "1",
}


def _koeln_word(word: str) -> str:
    codes: list[str] = []
    for i, c in enumerate(word):
        before = word[i - 1] if i else ""
        after = word[i + 1] if i + 1 < len(word) else ""
        if c == "H":
            code = ""
        elif c == "P":
            code = "3" if after == "H" else "1"
        elif c in "DT":
            code = "8" if after in ("C", "S", "Z") and after else "2"
        elif c == "C":
            if i == 0:
                code = "4" if after in "AHKLOQRUX" and after else "8"
            elif before in ("S", "Z"):
                code = "8"
            else:
                code = "4" if after in "AHKOQUX" and after else "8"
        elif c == "X":
            code = "8" if before in ("C", "K", "Q") and before else "48"
        else:
            code = _KOELN_GROUPS.get(c, "")
        codes.append(code)
    collapsed: list[str] = []
    for digit in "".join(codes):
        if not collapsed or collapsed[-1] != digit:
            collapsed.append(digit)
    if not collapsed:
        return ""
    return collapsed[0] + "".join(d for d in collapsed[1:] if d != "0")


@lru_cache(maxsize=65536)
def koelner_phonetik(value: str) -> str:
    """The Kölner Phonetik of each word of `value` (any script, via its ICAO key), joined by
    one space: "Meier" → "67", "Schmidt" → "862", "Anna Maria" → "06 67"."""
    return " ".join(
        code for code in (_koeln_word(word) for word in icao_transliterate(value).split()) if code
    )


@dataclass(frozen=True, slots=True)
class NameKeys:
    """The search keys of a family name and given names."""

    family_key: str
    given_key: str
    family_phonetic: str
    given_phonetic: str

    @property
    def first_given_phonetic(self) -> str:
        return self.given_phonetic.split(" ", 1)[0]


def name_keys(family_name: str, given_names: str) -> NameKeys:
    return NameKeys(
        family_key=icao_transliterate(family_name),
        given_key=icao_transliterate(given_names),
        family_phonetic=koelner_phonetik(family_name),
        given_phonetic=koelner_phonetik(given_names),
    )
