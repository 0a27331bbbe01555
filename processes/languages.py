"""The languages ParkOps screens are offered in: code -> name in that language."""

LANGUAGES = {
    "en": "English", "pl": "Polski", "de": "Deutsch", "es": "Español", "pt": "Português",
    "fr": "Français", "it": "Italiano", "nl": "Nederlands", "cs": "Čeština", "el": "Ελληνικά",
    "ro": "Română", "sv": "Svenska", "sl": "Slovenščina", "sk": "Slovenčina",
    "hr": "Hrvatski", "hu": "Magyar", "uk": "Українська",
}
DEFAULT_LANGUAGE = "en"
