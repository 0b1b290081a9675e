"""The automatic rules: word lists in several languages, links and all-caps thresholds."""

import pytest

from comments import rules
from comments.defaults import ensure_defaults, read_default_phrases
from comments.models import Comment, ModerationSettings, Phrase
from comments.posting import decide
from comments.textnorm import fingerprint, normalize

PUBLISH, HOLD, REJECT = rules.PUBLISH, rules.HOLD, rules.REJECT


def outcome(text, **kwargs):
    return rules.evaluate(text, **kwargs).outcome


class TestNormalize:
    def test_it_ignores_case_and_accents(self):
        assert normalize("ÉCHEC Façade Ñandú") == "echec facade nandu"

    def test_it_folds_letters_without_a_decomposition(self):
        assert normalize("Obyś zdechł, Søren") == "obys zdechl, soren"

    def test_it_folds_typographic_apostrophes(self):
        assert normalize("J\u2019espère") == "j'espere"

    def test_it_keeps_hangul_syllables_whole(self):
        assert normalize("죽어라") == "죽어라"

    def test_a_fingerprint_ignores_case_spacing_and_punctuation(self):
        assert fingerprint("Stop this!") == fingerprint("  stop   THIS ")
        assert fingerprint("Stop this") != fingerprint("Stop that")


class TestCompilePhrase:
    def test_a_korean_phrase_does_not_match_across_syllables(self):
        # NFKD turns 객 into ㄱ ㅐ ㄱ, which starts with the jamo of 개.
        assert rules.compile_phrase("개").search(normalize("객")) is None
        assert rules.compile_phrase("개").search(normalize("개고기"))

    def test_spaces_in_a_phrase_match_any_separator(self):
        regex = rules.compile_phrase("hope you die")
        assert regex.search(normalize("Hope,  you...die!"))

    def test_an_empty_phrase_matches_nothing(self):
        assert rules.compile_phrase(" * ") is None


@pytest.mark.django_db
class TestDefaultLists:
    @pytest.mark.parametrize(
        "text",
        [
            "i hope you die the same way",
            "The scum that do this need to have the same treatment done to them.",
            "I HOPE YOU DIE",
            "너희들 다 죽어라",  # Korean: "die, all of you"
            "짱깨들",  # Korean slur with a plural suffix: substring match
            "Spero che muoia!",  # Italian
            "J\u2019espère que vous mourrez",  # French, typographic apostrophe
            "j'espere que vous mourrez",  # French without accents
            "OJALÁ TE MUERAS",  # Spanish
            "Ojala te mueras",
            "Ich hoffe ihr sterbt",  # German
            "Val dood!",  # Dutch
            "Obyś zdechł",  # Polish
            "obys zdechl",  # Polish typed without diacritics
        ],
    )
    def test_it_rejects_threats_in_several_languages(self, text):
        assert outcome(text) == REJECT

    @pytest.mark.parametrize(
        "text",
        [
            "You are scum",
            "SCUMBAG",  # "scum*": word beginnings too
            "Everyone needs to boycott all Korean goods. EVERYTHING KOREAN.",
            "Boycott Korea!",
            "A DOG AND CAT EATING NATION.",
            "Vaffanculo",  # Italian
            "Abschaum",  # German
            "이 병신들아",  # Korean
            "Bande de connards",  # French
        ],
    )
    def test_it_holds_abuse_and_generalisations(self, text):
        assert outcome(text) == HOLD

    @pytest.mark.parametrize(
        "text",
        [
            "Greetings from Scunthorpe!",  # contains a banned word's letters
            "Stop this cruelty right now.",
            "Fermate questo scempio!",
            "arrêter SVP les chiens et chats sont des animaux très fidèles",
            "개고기 금지법을 통과시켜 주세요",  # Korean: "please pass the dog meat ban"
            "Los animales son seres vivos que merecen respeto.",
            "Please stop killing innocent dogs!!!!!",
            "Boiling lives dogs.skinning live dogs",
        ],
    )
    def test_it_publishes_ordinary_comments(self, text):
        assert outcome(text) == PUBLISH

    def test_every_language_is_checked_whatever_the_hint(self):
        assert outcome("Vaffanculo", language_hint="ko") == HOLD

    def test_the_hint_names_its_own_language_first(self):
        for language in ("it", "fr"):
            Phrase.objects.create(language=language, kind=Phrase.Kind.SUSPECT, text="crotte")
        assert "(fr)" in rules.evaluate("Crotte", language_hint="fr").reason
        assert "(it)" in rules.evaluate("Crotte", language_hint="it").reason

    def test_a_banned_phrase_gives_the_reject_reason_from_its_note(self):
        decision = rules.evaluate("i hope you die")
        assert decision.reject_reason == Comment.RejectReason.THREAT
        assert decision.reason == "Banned phrase “hope you die” (en)"

    def test_the_csv_covers_english_korean_and_six_more_languages(self):
        languages = {row["language"] for row in read_default_phrases()}
        assert languages >= {"en", "ko", "it", "fr", "es", "de", "nl", "pl"}


@pytest.mark.django_db
class TestEditableLists:
    def test_a_phrase_added_in_the_admin_applies_at_once(self):
        assert outcome("What a nincompoop") == PUBLISH
        Phrase.objects.create(language="en", kind=Phrase.Kind.BANNED, text="nincompoop")
        assert outcome("What a nincompoop") == REJECT

    def test_a_deleted_phrase_no_longer_applies(self):
        Phrase.objects.filter(text="hope you die").delete()
        assert outcome("i hope you die") == PUBLISH

    def test_a_phrase_matches_whole_words_only(self):
        Phrase.objects.create(language="en", kind=Phrase.Kind.SUSPECT, text="ass")
        assert outcome("A bad ass idea") == HOLD
        assert outcome("Please pass the assembly bill, classy") == PUBLISH

    def test_a_star_matches_word_beginnings(self):
        Phrase.objects.create(language="en", kind=Phrase.Kind.SUSPECT, text="troll*")
        assert outcome("trolling again") == HOLD
        assert outcome("a patrolling officer") == PUBLISH

    def test_an_accented_phrase_matches_unaccented_text_and_back(self):
        Phrase.objects.create(language="fr", kind=Phrase.Kind.SUSPECT, text="échec")
        assert outcome("ECHEC total") == HOLD
        Phrase.objects.create(language="fr", kind=Phrase.Kind.SUSPECT, text="pourri")
        assert outcome("POURRÍ") == HOLD

    def test_defaults_are_written_only_into_an_empty_table(self):
        total = Phrase.objects.count()
        assert total == len(read_default_phrases())
        Phrase.objects.filter(text="scum*").delete()
        ensure_defaults()
        assert Phrase.objects.count() == total - 1  # the admin's deletion stands
        assert ModerationSettings.objects.count() == 1


@pytest.mark.django_db
class TestThresholds:
    def test_more_links_than_allowed_holds(self):
        settings = ModerationSettings.current()
        two = "See https://a.example.org and www.b.example.com"
        assert outcome(two, settings=settings) == PUBLISH
        assert outcome(two + " and c.example.net", settings=settings) == HOLD

    def test_the_link_threshold_is_editable(self):
        ModerationSettings.objects.update(max_links=0)
        assert outcome("See https://a.example.org") == HOLD

    def test_shouting_holds(self):
        assert outcome("STOP THIS CRUELTY AT ONCE YOU MONSTERS") == HOLD

    def test_a_short_shout_is_fine(self):
        assert outcome("STOP THIS!!!") == PUBLISH

    def test_some_capitals_are_fine(self):
        assert outcome("This is CRUEL, INHUMANE and BARBARIC. Please stop it now.") == PUBLISH

    def test_hangul_does_not_count_as_lower_case(self):
        assert outcome("개고기 STOP THE DOG MEAT TRADE NOW PLEASE") == HOLD

    def test_the_caps_thresholds_are_editable(self):
        ModerationSettings.objects.update(caps_min_letters=5)
        assert outcome("STOP THIS!!!") == HOLD


@pytest.mark.django_db
class TestDecide:
    def test_a_reply_to_an_unpublished_comment_waits_with_it(self, campaign):
        parent = Comment.objects.create(
            campaign=campaign, author_name="A", text="x", status=Comment.Status.REJECTED
        )
        decision = decide("to right my friend", parent=parent, staff_user=None)
        assert decision.outcome == HOLD

    def test_a_banned_reply_is_still_rejected(self, campaign):
        parent = Comment.objects.create(
            campaign=campaign, author_name="A", text="x", status=Comment.Status.HELD
        )
        assert decide("i hope you die", parent=parent).outcome == REJECT
